using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RnnCluster.Core.Model;
using RnnCluster.Interop;
using RnnCluster.Training.Node;
using RnnCluster.Training.Store;

namespace RnnCluster.Dashboard;

/// <summary>The stored runs: list, loss history, checkpoints and their export (docs/dashboard.md, "API").</summary>
internal static class RunsApi
{
    public static void Map(IEndpointRouteBuilder app, StoreAccess store, RunFeed? feed)
    {
        app.MapGet("/api/runs", async () =>
        {
            var runs = await store.UseAsync(async s =>
            {
                var list = new List<RunSummary>();
                foreach (var id in await s.ListRunsAsync())
                    if (await s.ReadRunAsync(id) is { } record)
                        list.Add(Describe(record, feed));
                return list;
            }, new List<RunSummary>());
            // The live run before its first checkpoint is not in the store yet, but is a run all the same.
            if (feed?.RunId is { } live && !runs.Any(r => r.Id == live))
                runs.Insert(0, new RunSummary(live, true, null, null, null, null, null, null, []));
            return Results.Json(runs);
        });

        app.MapGet("/api/runs/{id}/history", async (string id) =>
        {
            var stored = await store.UseAsync<(bool Found, Training.ParameterServer.TrainingHistory? History)>(async s =>
            {
                var record = await s.ReadRunAsync(id);
                if (record is null || !record.Checkpoints.Any(c => c.Available))
                    return (record is not null, null);
                try
                {
                    return (true, (await s.LoadAsync(id)).History);
                }
                catch (CheckpointStoreException)
                {
                    return (true, null); // no readable checkpoint: the curve has what the feed knows
                }
            }, (false, null));
            bool live = feed?.RunId == id;
            if (!stored.Found && !live)
                return ApiError.Result(StatusCodes.Status404NotFound, $"there is no run '{id}'");
            var train = new List<LossPoint>();
            var validation = new List<LossPoint>();
            if (stored.History is { } h)
            {
                var losses = Training.Wire.FloatBytes.View(h.TrainLosses);
                for (int i = 0; i < losses.Length; i++)
                    train.Add(new LossPoint(h.FirstStep + i + 1, losses[i]));
                for (int i = 0; i < h.ValidationSteps.Length; i++)
                    validation.Add(new LossPoint(h.ValidationSteps[i], h.ValidationLosses[i]));
            }
            if (live)
            {
                var (liveTrain, liveValidation) = feed!.Curves();
                long lastTrain = train.Count > 0 ? train[^1].Step : long.MinValue, lastValidation = validation.Count > 0 ? validation[^1].Step : long.MinValue;
                train.AddRange(liveTrain.Where(p => p.Step > lastTrain));
                validation.AddRange(liveValidation.Where(p => p.Step > lastValidation));
            }
            return Results.Json(new { runId = id, train = train.Select(p => new[] { p.Step, p.Loss }), validation = validation.Select(p => new[] { p.Step, p.Loss }) });
        });

        app.MapGet("/api/runs/{id}/checkpoints", async (string id) =>
        {
            var record = await store.UseAsync(s => s.ReadRunAsync(id), null);
            if (record is null)
                return feed?.RunId == id ? Results.Json(Array.Empty<object>()) : ApiError.Result(StatusCodes.Status404NotFound, $"there is no run '{id}'");
            long rawBytes = 4L * new ParameterLayout(record.Definition.Model.ToModel()).TotalSize;
            var saved = feed?.RunId == id ? feed.Snapshot().Checkpoints.ToDictionary(c => c.Step, c => c.SaveMs) : [];
            return Results.Json(record.Checkpoints.Select(c => new
            {
                step = c.Step,
                createdAt = c.CreatedAt,
                available = c.Available,
                rawBytes,
                saveMs = saved.TryGetValue(c.Step, out double ms) ? ms : (double?)null,
            }));
        });

        app.MapGet("/api/runs/{id}/checkpoints/{step:long}/export", async (string id, long step, string? format, bool? checkpoint, HttpContext http) =>
        {
            string kind = (format ?? "raw").ToLowerInvariant();
            if (CheckpointExport.Problem(kind, checkpoint ?? false) is { } problem)
                return ApiError.Result(StatusCodes.Status400BadRequest, problem);
            StoredCheckpoint loaded;
            try
            {
                loaded = await store.UseAsync(s => s.LoadAsync(id, step), null!)
                         ?? throw new CheckpointStoreException("this dashboard has no store");
            }
            catch (CheckpointStoreException e)
            {
                return ApiError.Result(StatusCodes.Status404NotFound, e.Message);
            }
            var bytes = new MemoryStream();
            try
            {
                CheckpointExport.Write(bytes, loaded.Checkpoint, kind, checkpoint ?? false);
            }
            catch (InteropException e)
            {
                return ApiError.Result(StatusCodes.Status422UnprocessableEntity, e.Message);
            }
            return Results.File(bytes.ToArray(), "application/octet-stream", CheckpointExport.FileName(id, step, kind, checkpoint ?? false));
        });
    }

    private static RunSummary Describe(RunRecord record, RunFeed? feed)
    {
        var model = record.Definition.Model.ToModel();
        var settings = record.Definition.Settings.ToSettings();
        return new RunSummary(record.RunId, feed?.RunId == record.RunId, record.CreatedAt, model.ToString(), new ParameterLayout(model).TotalSize,
            record.Definition.Mode.ToString().ToLowerInvariant(), record.Definition.CorpusName,
            new Dictionary<string, object>
            {
                ["cell"] = model.Cell.ToString().ToLowerInvariant(), ["vocab"] = model.VocabSize, ["embed"] = model.Embed, ["hidden"] = model.Hidden,
                ["layers"] = model.Layers, ["dropout"] = model.Dropout, ["seq"] = settings.SeqLen, ["batch"] = settings.Batch,
                ["microBatches"] = settings.MicroBatches, ["seed"] = settings.Seed, ["optimizer"] = settings.Optimizer.Kind.ToString().ToLowerInvariant(),
                ["lr"] = settings.Optimizer.LearningRate, ["weightDecay"] = settings.Optimizer.WeightDecay,
                ["schedule"] = settings.Schedule.Kind.ToString().ToLowerInvariant(), ["warmupSteps"] = settings.Schedule.WarmupSteps,
                ["decaySteps"] = settings.Schedule.DecaySteps, ["clip"] = settings.ClipNorm, ["staleness"] = record.Definition.Staleness,
                ["trainTokens"] = record.Definition.TrainTokens, ["validationTokens"] = record.Definition.ValidationTokens,
            },
            record.Checkpoints.Where(c => c.Available).Select(c => c.Step).ToList());
    }
}
