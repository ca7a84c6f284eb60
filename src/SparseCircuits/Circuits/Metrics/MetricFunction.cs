using SparseCircuits.Models;
using SparseCircuits.Tensors;

namespace SparseCircuits.Circuits.Metrics;

/// <summary>
/// A metric m over a batch (algorithm §2): from the residual stream after the last block, [R, S, d] (before the final
/// norm), to one value per sequence, [R], differentiable. Circuit discovery sums it over the batch and
/// backpropagates, so every per-sequence value must depend only on its own row.
/// </summary>
public delegate Tensor MetricFunction(Transformer model, Tensor residual, MetricTargets targets);
