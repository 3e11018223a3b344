using System.CommandLine;
using RnnCluster.Cli.Commands;
using RnnCluster.Core.Data;
using RnnCluster.Core.Model;
using RnnCluster.Core.Optim;
using RnnCluster.Core.Text;
using RnnCluster.Training.Coordinator;
using RnnCluster.Training.Node;
using RnnCluster.Training.ParameterServer;
using RnnCluster.Training.Store;
using RnnCluster.Training.Wire;
using RnnCluster.Training.Worker;

namespace RnnCluster.Cli.Running;

/// <summary>A run ready to start: the request for the coordinator and what the CLI shows about it.</summary>
internal sealed record RunPlan(RunRequest Request, Vocabulary Vocabulary, string CorpusDescription, long WindowsPerEpoch);
