using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Dictionaries.Splicing;

/// <summary>
/// What one splice exposes to its caller: the codes, reconstruction and error of the last activation spliced through
/// it, and the tensors whose gradients a backward pass records (algorithm.md §1.5): <see cref="Error"/> (∂m/∂ε = the
/// gradient at the site) and <see cref="TrackedValues"/> (∂m/∂f_j = W_dec[j]·g for the tracked features). Each backward
/// pass returns its own <see cref="Gradients"/>, so one forward can serve many passes.
/// </summary>
public sealed class SpliceHandles
{
    private SparseCodes? codes;
    private SparseCodes? tracked;
    private Tensor? reconstruction;
    private Tensor? error;
    private Tensor? trackedValues;

    /// <param name="track">Which features get gradients (default <see cref="TrackedFeatures.Active"/>).</param>
    public SpliceHandles(Func<SparseCodes, SparseCodes>? track = null) => Track = track ?? TrackedFeatures.Active;

    public Func<SparseCodes, SparseCodes> Track { get; }

    /// <summary>True once an activation has been spliced through these handles.</summary>
    public bool IsSet => codes is not null;

    /// <summary>Features f of the N rows of the last activation (all leading dimensions flattened).</summary>
    public SparseCodes Codes => codes ?? throw NotSet();

    /// <summary>x̂, shaped like the activation.</summary>
    public Tensor Reconstruction => reconstruction ?? throw NotSet();

    /// <summary>ε = x − x̂, shaped like the activation; a gradient leaf when the splice was recorded.</summary>
    public Tensor Error => error ?? throw NotSet();

    /// <summary>The features whose gradients are recorded (positions and values).</summary>
    public SparseCodes Tracked => tracked ?? throw NotSet();

    /// <summary>[nnz] over <see cref="Tracked"/>'s values; a gradient leaf when the splice was recorded.</summary>
    public Tensor TrackedValues => trackedValues ?? throw NotSet();

    /// <summary>∂m/∂ε for each seed, [K, *activation shape] (zeros when no gradient reached the site).</summary>
    public Tensor ErrorGradient(Gradients gradients) =>
        gradients.Batched(Error) ?? Tensor.Zeros(Shapes.Prepend(gradients.K, Error.Shape));

    /// <summary>∂m/∂f for each seed and tracked feature, [K, nnz] in <see cref="Tracked"/>'s order (zeros when no
    /// gradient reached the site).</summary>
    public Tensor FeatureGradients(Gradients gradients) =>
        gradients.Batched(TrackedValues) ?? Tensor.Zeros(gradients.K, Tracked.NonZeros);

    internal void Set(SparseCodes codes, Tensor reconstruction, Tensor error, SparseCodes tracked, Tensor trackedValues)
    {
        this.codes = codes;
        this.reconstruction = reconstruction;
        this.error = error;
        this.tracked = tracked;
        this.trackedValues = trackedValues;
    }

    private static InvalidOperationException NotSet() => new("Nothing has been spliced through these handles yet.");
}
