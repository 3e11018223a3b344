using RnnCluster.Benchmarks;

// Subcommand dispatch: dotnet run -c Release --project src/RnnCluster.Benchmarks -- <name> [options]
string command = args.Length > 0 ? args[0] : "";
switch (command)
{
    case "gemm":
        return GemmBenchmark.Run(args);
    case "peak":
        return PeakBenchmark.Run(args);
    default:
        Console.Error.WriteLine("usage: RnnCluster.Benchmarks gemm|peak [options]");
        return 2;
}
