namespace RnnCluster.Training.Tests.Wire;

/// <summary>
/// Tests that count <see cref="RnnCluster.Training.Wire.TensorBlob.Outstanding"/>, a number for the
/// whole process: they run alone, after every test that runs in parallel.
/// </summary>
[CollectionDefinition(nameof(TensorBlobAccounting), DisableParallelization = true)]
public sealed class TensorBlobAccounting;
