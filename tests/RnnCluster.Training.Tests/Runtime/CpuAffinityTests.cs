using RnnCluster.Training.Runtime;

namespace RnnCluster.Training.Tests.Runtime;

public sealed class CpuAffinityTests
{
    private static string AllowedCpusOfThisThread() =>
        File.ReadAllLines("/proc/thread-self/status").Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();

    private static (int Cpu, string Allowed) PinOnNewThread(int slot)
    {
        (int, string) result = default;
        var thread = new Thread(() => result = (CpuAffinity.PinCurrentThread(slot), AllowedCpusOfThisThread()));
        thread.Start();
        thread.Join();
        return result;
    }

    [Fact]
    public void Slots_bind_threads_to_the_allowed_cpus_in_turn_and_leave_the_caller_alone()
    {
        if (!OperatingSystem.IsLinux())
            return;
        string before = AllowedCpusOfThisThread();
        int count = Environment.ProcessorCount;
        var first = PinOnNewThread(0);
        Assert.True(first.Cpu >= 0);
        Assert.Equal(first.Cpu.ToString(), first.Allowed);
        var wrapped = PinOnNewThread(count);      // slot n is taken modulo the CPU count
        Assert.Equal(first.Cpu, wrapped.Cpu);
        if (count > 1)
        {
            var second = PinOnNewThread(1);
            Assert.NotEqual(first.Cpu, second.Cpu);
            Assert.Equal(second.Cpu.ToString(), second.Allowed);
        }
        Assert.Equal(before, AllowedCpusOfThisThread());
    }

    [Fact]
    public void A_negative_slot_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuAffinity.PinCurrentThread(-1));
    }
}
