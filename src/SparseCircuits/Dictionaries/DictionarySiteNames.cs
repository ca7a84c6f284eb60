using System.Text.RegularExpressions;
using SparseCircuits.Models;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// How dictionary files name the site they belong to: dictionary_learning folder names (<c>resid_out_layer3</c>,
/// <c>attn_out_layer3</c>, <c>mlp_out_layer3</c>, <c>embed</c>), the reference's short names (<c>resid_3</c>) and
/// TransformerLens hook names from SAELens configs (<c>blocks.3.hook_resid_post</c>, <c>hook_embed</c>).
/// </summary>
public static class DictionarySiteNames
{
    private static readonly Regex DictionaryLearningFolder = new(@"^(resid|attn|mlp)_out_layer(\d+)$", RegexOptions.Compiled);

    /// <summary>
    /// The canonical site for a place that has two names in the model: a block's input is the previous block's output
    /// (<c>blocks.L.hook_resid_pre</c> = <c>resid_{L−1}</c>) and block 0's input is the embedding output (GPT-2 SAEs
    /// trained on <c>blocks.0.hook_resid_pre</c> see token + position embeddings, which is the <c>embed</c> site).
    /// </summary>
    public static Site Canonical(Site site) => site.Kind switch
    {
        SiteKind.ResidPre when site.Layer == 0 => Site.Embed,
        SiteKind.ResidPre => Site.ResidPost(site.Layer - 1),
        _ => site,
    };

    /// <summary>The site a TransformerLens hook name or short name denotes (canonical), or null when unknown.</summary>
    public static Site? FromName(string name) => Site.TryParse(name, out var site) ? Canonical(site) : null;

    /// <summary>The site a dictionary folder is named for: dictionary_learning names, short names or hook names.</summary>
    public static Site? FromFolderName(string folderName)
    {
        var m = DictionaryLearningFolder.Match(folderName);
        if (!m.Success) return FromName(folderName);
        int layer = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Groups[1].Value switch
        {
            "resid" => Site.ResidPost(layer),
            "attn" => Site.AttnOut(layer),
            _ => Site.MlpOut(layer),
        };
    }

    /// <summary>True for sites whose activation is [B, S, d_model]-shaped and has a hook point a splice can replace.</summary>
    public static bool CanHoldDictionary(Site site) => site.IsResidualShaped;
}
