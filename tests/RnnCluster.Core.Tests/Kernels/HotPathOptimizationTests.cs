using System.Reflection;
using System.Runtime.CompilerServices;
using RnnCluster.Core.Model;

namespace RnnCluster.Core.Tests.Kernels;

/// <summary>
/// Every method that works on raw tensor pointers is compiled fully optimised on its first call
/// (AggressiveOptimization) or inlined into one that is. Left to tiered compilation, such code
/// starts as tier-0 and is promoted only after its call counts and a tiering delay that any other
/// JIT activity postpones, longest in an actor process, where Akka's start-up keeps the JIT busy.
/// The runtime's JIT log of `warmup` showed 40 tier-0/OSR compilations of per-step methods before
/// these were marked (docs/performance.md, "Warm-up", has the command).
/// </summary>
public sealed class HotPathOptimizationTests
{
    private const MethodImplAttributes Optimized = MethodImplAttributes.AggressiveOptimization | MethodImplAttributes.AggressiveInlining;

    [Fact]
    public void Every_method_taking_a_tensor_pointer_is_compiled_optimized_from_its_first_call()
    {
        var methods = typeof(RecurrentLanguageModel).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsAbstract && m.GetMethodBody() is { } body && body.GetILAsByteArray()!.Length > 32)
            .Where(m => m.GetParameters().Any(p => p.ParameterType.IsPointer) || m.ReturnType.IsPointer)
            .ToList();
        Assert.True(methods.Count > 40, $"Only {methods.Count} pointer methods found: the filter no longer sees the kernels.");

        var tiered = methods
            .Where(m => (m.MethodImplementationFlags & Optimized) == 0)
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}")
            .Distinct()
            .Order()
            .ToList();
        Assert.True(tiered.Count == 0, "Tier-0 on first call (mark [MethodImpl(MethodImplOptions.AggressiveOptimization)]): " + string.Join(", ", tiered));
    }

    [Theory]
    [InlineData(typeof(RecurrentLanguageModel), nameof(RecurrentLanguageModel.ForwardBackward))]
    [InlineData(typeof(RecurrentLanguageModel), nameof(RecurrentLanguageModel.LoadParameters))]
    [InlineData(typeof(RecurrentLanguageModel), nameof(RecurrentLanguageModel.Loss))]
    public void The_step_entry_points_are_compiled_optimized_from_their_first_call(Type type, string name)
    {
        var method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance)!;
        Assert.Equal(MethodImplAttributes.AggressiveOptimization, method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization);
    }
}
