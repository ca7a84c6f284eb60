namespace SparseCircuits.Dictionaries.Quality;

/// <summary>
/// How well one site's dictionary does over the evaluation tokens:
/// <list type="bullet">
/// <item><see cref="L0"/>: mean number of active features per token;</item>
/// <item><see cref="ExplainedVariance"/>: 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖², x̄ the mean activation over the tokens;</item>
/// <item><see cref="Mse"/>: Σ‖x − x̂‖² / (tokens·d), the mean squared error per element;</item>
/// <item><see cref="CeLossRecovered"/>: (CE_zero − CE_spliced) / (CE_zero − CE_clean), with the site's activation
/// replaced by x̂ (spliced) or by zeros (zero), every other site running normally;</item>
/// <item><see cref="DeadFraction"/>: features that never fire on the evaluation tokens; <see cref="DenseFraction"/>:
/// features firing on more than the dense threshold (10 % by default) of them.</item>
/// </list>
/// Cross-entropies are mean next-token losses in nats over every position that has a next token.
/// </summary>
public sealed record SiteQuality(
    string Site,
    int Width,
    long Tokens,
    double L0,
    double ExplainedVariance,
    double Mse,
    double CeLossRecovered,
    double DeadFraction,
    double DenseFraction,
    double CeClean,
    double CeSpliced,
    double CeZero);
