using SparseCircuits.Dictionaries.Formats;
using SparseCircuits.Models;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// Opens one dictionary from a folder (or a file in it), whichever format it is in: SAELens (<c>cfg.json</c> +
/// <c>sae_weights.safetensors</c>) or dictionary_learning (<c>ae.pt</c>, possibly one folder further down, as in
/// <c>resid_out_layer3/10_32768/ae.pt</c>).
/// </summary>
public static class DictionaryLoader
{
    /// <summary>
    /// Loads the dictionary at <paramref name="path"/>. The site comes from <paramref name="site"/> when given, else from
    /// the SAELens hook name, else from the folder's name (or its parent's, for nested dictionary_learning folders), else
    /// from <c>config.json</c>'s <c>submodule_name</c>.
    /// </summary>
    public static SparseAutoencoder Load(string path, Site? site = null)
    {
        var folder = FindFolder(path) ?? throw SfcInputException.ForFile(path,
            $"no dictionary here: expected {SaeLensFormat.ConfigFile} + {SaeLensFormat.WeightsFile} (SAELens) or {DictionaryLearningFormat.WeightsFile} (dictionary_learning)");
        return LoadFolder(folder, site, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))));
    }

    /// <summary>The folder holding the dictionary files for <paramref name="path"/> (a dictionary folder, a folder with
    /// exactly one dictionary folder inside, or a dictionary file), or null when there is none.</summary>
    public static string? FindFolder(string path)
    {
        if (File.Exists(path))
        {
            var name = Path.GetFileName(path);
            var parent = Path.GetDirectoryName(Path.GetFullPath(path))!;
            return name is SaeLensFormat.ConfigFile or SaeLensFormat.WeightsFile or DictionaryLearningFormat.WeightsFile or DictionaryLearningFormat.ConfigFile
                && IsDictionaryFolder(parent) ? parent : null;
        }
        if (!Directory.Exists(path)) throw SfcInputException.ForFile(path, "not found");
        if (IsDictionaryFolder(path)) return path;
        var nested = Directory.GetDirectories(path).Where(IsDictionaryFolder).OrderBy(p => p, StringComparer.Ordinal).ToList();
        return nested.Count switch
        {
            0 => null,
            1 => nested[0],
            _ => throw SfcInputException.ForFile(path, $"holds {nested.Count} dictionaries ({string.Join(", ", nested.Select(Path.GetFileName))}); keep one per site folder"),
        };
    }

    public static bool IsDictionaryFolder(string folder) =>
        SaeLensFormat.IsSaeLensFolder(folder) || DictionaryLearningFormat.IsDictionaryLearningFolder(folder);

    /// <summary>Loads the dictionary files in <paramref name="folder"/>; <paramref name="siteFolderName"/> is the name of
    /// the folder the user pointed at (the site folder in a set), used to name the site of dictionary_learning files.</summary>
    internal static SparseAutoencoder LoadFolder(string folder, Site? site, string siteFolderName)
    {
        if (SaeLensFormat.IsSaeLensFolder(folder)) return SaeLensFormat.Read(folder, site);
        site ??= DictionarySiteNames.FromFolderName(siteFolderName)
            ?? DictionarySiteNames.FromFolderName(Path.GetFileName(folder))
            ?? SiteFromConfig(folder)
            ?? throw SfcInputException.ForFile(folder,
                "cannot tell which site this dictionary belongs to: name its folder after the site (e.g. resid_3, attn_out_layer3, embed) or give the site");
        return DictionaryLearningFormat.Read(folder, site.Value);
    }

    private static Site? SiteFromConfig(string folder) =>
        DictionaryLearningConfig.Read(Path.Combine(folder, DictionaryLearningFormat.ConfigFile)).SubmoduleName is { } name
            ? DictionarySiteNames.FromFolderName(name)
            : null;
}
