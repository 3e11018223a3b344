using RnnCluster.Benchmarks;

return args.Length == 0 ? Usage() : args[0] switch
{
    "lstm" => LstmBenchmark.Run(args[1..]),
    "actor" => ActorOverheadBenchmark.Run(args[1..]),
    "quality" => QualityBenchmark.Run(args[1..]),
    "gemm" => GemmBenchmark.Run(args[1..]),
    "peak" => PeakBenchmark.Run(args[1..]),
    "transfer" => TransferBenchmark.Run(args[1..]),
    "transfer-peer" => TransferBenchmark.Peer(),
    "soak" => SoakBenchmark.Run(args[1..]),
    "warmup" => WarmUpBenchmark.Run(args[1..]),
    "corun" => CoRunBenchmark.Run(args[1..]),
    "dashboard" => DashboardBenchmark.Run(args[1..]),
    "reduce" => ReduceBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: RnnCluster.Benchmarks lstm|warmup|corun|actor|quality|gemm|peak|transfer|soak|dashboard|reduce [options]");
    return 2;
}
