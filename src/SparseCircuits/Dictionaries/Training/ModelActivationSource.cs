using SparseCircuits.Models;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Dictionaries.Training;

/// <summary>
/// Activations streamed from a model over fixed-length token contexts: contexts are visited in an order reshuffled
/// every epoch, run through the model (no gradient, stopping after the last block needed) with forward hooks reading
/// the input site (and the output site of a transcoder), and their rows pass through a <see cref="ShuffleBuffer"/>.
/// Every position of every context gives one row.
/// </summary>
public sealed class ModelActivationSource : IActivationSource
{
    private readonly Transformer model;
    private readonly IReadOnlyList<int[]> contexts;
    private readonly ModelActivationSourceOptions options;
    private readonly ShuffleBuffer buffer;
    private readonly Random orderRng;
    private readonly int[] order;
    private readonly float[]?[]? cachedInputs;
    private readonly float[]?[]? cachedTargets;
    private readonly int lastLayer;
    private int position;

    public ModelActivationSource(Transformer model, Site inputSite, Site? outputSite, IReadOnlyList<int[]> contexts,
        ModelActivationSourceOptions? options = null)
    {
        this.model = model;
        this.options = options ?? new ModelActivationSourceOptions();
        InputSite = Checked(inputSite, model.Config, "--site");
        OutputSite = Checked(outputSite ?? inputSite, model.Config, "--out-site");
        if (contexts.Count == 0) throw new SfcInputException("--corpus: no token contexts to train on");
        ContextLength = contexts[0].Length;
        if (contexts.Any(c => c.Length != ContextLength)) throw new ArgumentException("All contexts must have the same length.");
        if (ContextLength > model.Config.MaxPositions)
            throw new SfcInputException($"--context: {ContextLength} tokens is more than the model's {model.Config.MaxPositions} positions");
        this.contexts = contexts;
        if (this.options.ContextsPerForward < 1) throw new ArgumentOutOfRangeException(nameof(options), "ContextsPerForward must be at least 1.");

        InputDim = model.Config.DModel;
        OutputDim = model.Config.DModel;
        lastLayer = Math.Max(InputSite.Layer, OutputSite.Layer);
        int capacity = Math.Max(this.options.BufferRows, 2 * ChunkRows);
        buffer = new ShuffleBuffer(capacity, InputDim, OutputDim, IsTranscoder, this.options.Seed);
        orderRng = new Random(this.options.Seed + 1);
        order = Enumerable.Range(0, contexts.Count).ToArray();
        position = order.Length;

        long bytes = (long)contexts.Count * ContextLength * (InputDim + (IsTranscoder ? OutputDim : 0)) * sizeof(float);
        if (bytes <= this.options.CacheBytes)
        {
            cachedInputs = new float[]?[contexts.Count];
            cachedTargets = IsTranscoder ? new float[]?[contexts.Count] : null;
        }
    }

    public Site InputSite { get; }

    public Site OutputSite { get; }

    public bool IsTranscoder => InputSite != OutputSite;

    public int ContextLength { get; }

    public int InputDim { get; }

    public int OutputDim { get; }

    /// <summary>Passes over the contexts started so far.</summary>
    public int Epochs { get; private set; }

    /// <summary>Forward passes run so far (cached epochs run none).</summary>
    public int ModelForwards { get; private set; }

    private int ChunkRows => options.ContextsPerForward * ContextLength;

    public ActivationBatch Next(int rows)
    {
        if (rows + ChunkRows > buffer.Capacity)
            throw new ArgumentException($"Batches of {rows} rows need a buffer of more than {buffer.Capacity} rows.");
        // Top up whenever at most half full, so every batch is drawn from a well-mixed pool.
        while (buffer.Count < rows || buffer.Count <= buffer.Capacity / 2)
        {
            if (buffer.Free < ChunkRows) break;
            AddChunk();
        }
        return buffer.Take(rows);
    }

    private void AddChunk()
    {
        var chunk = new int[options.ContextsPerForward];
        for (int i = 0; i < chunk.Length; i++)
        {
            if (position == order.Length)
            {
                orderRng.Shuffle(order);
                position = 0;
                Epochs++;
            }
            chunk[i] = order[position++];
        }

        if (cachedInputs is not null && chunk.All(c => cachedInputs[c] is not null))
        {
            foreach (int c in chunk) buffer.Add(cachedInputs[c], cachedTargets?[c] ?? default, ContextLength);
            return;
        }

        var (inputs, targets) = Run(chunk);
        int inLen = ContextLength * InputDim, outLen = ContextLength * OutputDim;
        for (int i = 0; i < chunk.Length; i++)
        {
            var x = inputs.AsSpan(i * inLen, inLen);
            var y = targets is null ? default : targets.AsSpan(i * outLen, outLen);
            buffer.Add(x, y, ContextLength);
            if (cachedInputs is null) continue;
            cachedInputs[chunk[i]] = x.ToArray();
            if (cachedTargets is not null) cachedTargets[chunk[i]] = y.ToArray();
        }
    }

    /// <summary>Activations of the input site (and output site) for the given contexts, row-major [contexts·S, d].</summary>
    private (float[] Inputs, float[]? Targets) Run(int[] chunk)
    {
        var ids = new int[chunk.Length * ContextLength];
        for (int i = 0; i < chunk.Length; i++) contexts[chunk[i]].CopyTo(ids, i * ContextLength);
        float[]? inputs = null, targets = null;
        var hooks = new ForwardHooks().Read(InputSite.Name, x => inputs = x.ToArray());
        if (IsTranscoder) hooks.Read(OutputSite.Name, y => targets = y.ToArray());
        using (Tape.NoGrad())
            model.ResidualStream(new TokenBatch(ids, chunk.Length, ContextLength), hooks, upToLayer: lastLayer);
        ModelForwards++;
        return (inputs ?? throw new InvalidOperationException($"The model never reached site {InputSite}."),
            IsTranscoder ? targets ?? throw new InvalidOperationException($"The model never reached site {OutputSite}.") : null);
    }

    private static Site Checked(Site site, ModelConfig config, string flag)
    {
        site.ValidateFor(config);
        if (!site.IsResidualShaped)
            throw new SfcInputException($"{flag}: dictionaries attach to [batch, position, d_model] activations; '{site.Name}' is not one");
        return site;
    }
}
