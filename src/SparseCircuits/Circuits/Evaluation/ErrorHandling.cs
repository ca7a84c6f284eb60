using SparseCircuits.Models;

namespace SparseCircuits.Circuits.Evaluation;

/// <summary>How error nodes are treated when a circuit is run with ablations (algorithm §7, <c>handle_errors</c>).
/// Applied after taking the complement, as the reference does, so it holds for F(C), F(M∖C) and F(∅) alike.</summary>
public enum ErrorHandling
{
    /// <summary>Error nodes are thresholded like features.</summary>
    Default,

    /// <summary>Error nodes are never ablated.</summary>
    Keep,

    /// <summary>Error nodes are always ablated.</summary>
    Remove,

    /// <summary>Thresholded at residual-stream sites, always ablated elsewhere (the notebook's
    /// "features_wo_some_errs").</summary>
    ResidOnly,
}

public static class ErrorHandlings
{
    public static string Name(ErrorHandling handling) => handling switch
    {
        ErrorHandling.Default => "default",
        ErrorHandling.Keep => "keep",
        ErrorHandling.Remove => "remove",
        ErrorHandling.ResidOnly => "resid-only",
        _ => throw new ArgumentOutOfRangeException(nameof(handling), handling, null),
    };

    public static ErrorHandling Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "default" => ErrorHandling.Default,
        "keep" => ErrorHandling.Keep,
        "remove" => ErrorHandling.Remove,
        "resid-only" or "resid_only" => ErrorHandling.ResidOnly,
        _ => throw new SfcInputException($"--handle-errors: unknown value '{name}' (expected default, keep, remove or resid-only)"),
    };

    /// <summary>Whether the error node of <paramref name="site"/> is kept, given what the mask says.</summary>
    public static bool KeepsError(this ErrorHandling handling, Site site, bool maskKeeps) => handling switch
    {
        ErrorHandling.Keep => true,
        ErrorHandling.Remove => false,
        ErrorHandling.ResidOnly => site.Kind == SiteKind.Resid && maskKeeps,
        _ => maskKeeps,
    };
}
