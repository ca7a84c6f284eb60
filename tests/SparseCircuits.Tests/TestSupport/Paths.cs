namespace SparseCircuits.Tests.TestSupport;

/// <summary>Locates the repository root and the ../shared folder (data and fixtures kept outside the repo).</summary>
public static class Paths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared folder beside the repository, or null when it is absent.</summary>
    public static string? Shared
    {
        get
        {
            var p = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(p) ? p : null;
        }
    }

    public static string SharedPath(params string[] parts) =>
        Path.Combine(new[] { Shared ?? throw new InvalidOperationException("../shared is absent") }.Concat(parts).ToArray());

    /// <summary>Test data committed in the repo (tests/SparseCircuits.Tests/TestData).</summary>
    public static string TestData(params string[] parts) =>
        Path.Combine(new[] { RepoRoot, "tests", "SparseCircuits.Tests", "TestData" }.Concat(parts).ToArray());

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SparseCircuits.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Repository root (SparseCircuits.slnx) not found.");
    }
}

/// <summary>A fact that needs ../shared; skipped with a visible reason when the folder is absent.</summary>
public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute()
    {
        if (Paths.Shared is null) Skip = "../shared (data and fixtures beside the repository) is absent";
    }
}

/// <summary>A theory that needs ../shared; skipped with a visible reason when the folder is absent.</summary>
public sealed class SharedTheoryAttribute : TheoryAttribute
{
    public SharedTheoryAttribute()
    {
        if (Paths.Shared is null) Skip = "../shared (data and fixtures beside the repository) is absent";
    }
}
