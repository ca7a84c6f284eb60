using System.Text.RegularExpressions;

namespace SparseCircuits.Models;

/// <summary>The kinds of named activation in a transformer (DESIGN.md §3).</summary>
public enum SiteKind
{
    /// <summary>Token (+ position) embedding output.</summary>
    Embed,

    /// <summary>Block input (the previous block's output).</summary>
    ResidPre,

    /// <summary>Attention output, before the residual add.</summary>
    Attn,

    /// <summary>Residual stream between attention and MLP (sequential blocks only).</summary>
    ResidMid,

    /// <summary>Normalised MLP input (a transcoder's input).</summary>
    MlpIn,

    /// <summary>MLP output, before the residual add.</summary>
    Mlp,

    /// <summary>Residual stream after the block.</summary>
    Resid,

    /// <summary>Per-head attention result before the output projection, [B, S, H, D].</summary>
    AttnZ,

    /// <summary>Attention pattern, [B, H, S, S].</summary>
    AttnPattern,
}

/// <summary>
/// A named place in the model. Two spellings are accepted (the reference's short names such as <c>resid_3</c>, and
/// TransformerLens hook names such as <c>blocks.3.hook_resid_post</c>); <see cref="Name"/> is the canonical one: the short
/// name where one exists, else the TransformerLens name.
/// </summary>
public readonly record struct Site(SiteKind Kind, int Layer)
{
    private static readonly Regex Short = new(@"^(attn|mlp|resid|mlp_in)_(\d+)$", RegexOptions.Compiled);
    private static readonly Regex Tl = new(@"^blocks\.(\d+)\.(hook_attn_out|hook_mlp_out|hook_resid_post|hook_resid_pre|hook_resid_mid|ln2\.hook_normalized|attn\.hook_z|attn\.hook_pattern)$", RegexOptions.Compiled);

    public static Site Embed => new(SiteKind.Embed, -1);

    public static Site AttnOut(int layer) => new(SiteKind.Attn, layer);

    public static Site MlpOut(int layer) => new(SiteKind.Mlp, layer);

    public static Site ResidPost(int layer) => new(SiteKind.Resid, layer);

    public static Site MlpInput(int layer) => new(SiteKind.MlpIn, layer);

    public string Name => Kind switch
    {
        SiteKind.Embed => "embed",
        SiteKind.Attn => $"attn_{Layer}",
        SiteKind.Mlp => $"mlp_{Layer}",
        SiteKind.Resid => $"resid_{Layer}",
        SiteKind.MlpIn => $"mlp_in_{Layer}",
        SiteKind.ResidPre => $"blocks.{Layer}.hook_resid_pre",
        SiteKind.ResidMid => $"blocks.{Layer}.hook_resid_mid",
        SiteKind.AttnZ => $"blocks.{Layer}.attn.hook_z",
        SiteKind.AttnPattern => $"blocks.{Layer}.attn.hook_pattern",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The TransformerLens spelling.</summary>
    public string HookName => Kind switch
    {
        SiteKind.Embed => "hook_embed",
        SiteKind.Attn => $"blocks.{Layer}.hook_attn_out",
        SiteKind.Mlp => $"blocks.{Layer}.hook_mlp_out",
        SiteKind.Resid => $"blocks.{Layer}.hook_resid_post",
        SiteKind.MlpIn => $"blocks.{Layer}.ln2.hook_normalized",
        _ => Name,
    };

    /// <summary>True for the sites whose activation has shape [B, S, d_model] (where dictionaries attach).</summary>
    public bool IsResidualShaped => Kind is not (SiteKind.AttnZ or SiteKind.AttnPattern);

    public override string ToString() => Name;

    public static bool TryParse(string text, out Site site)
    {
        site = default;
        var s = text.Trim();
        if (s is "embed" or "hook_embed")
        {
            site = Embed;
            return true;
        }
        var m = Short.Match(s);
        if (m.Success)
        {
            int layer = int.Parse(m.Groups[2].Value);
            site = m.Groups[1].Value switch
            {
                "attn" => AttnOut(layer),
                "mlp" => MlpOut(layer),
                "resid" => ResidPost(layer),
                _ => MlpInput(layer),
            };
            return true;
        }
        m = Tl.Match(s);
        if (!m.Success) return false;
        int l = int.Parse(m.Groups[1].Value);
        site = new Site(m.Groups[2].Value switch
        {
            "hook_attn_out" => SiteKind.Attn,
            "hook_mlp_out" => SiteKind.Mlp,
            "hook_resid_post" => SiteKind.Resid,
            "hook_resid_pre" => SiteKind.ResidPre,
            "hook_resid_mid" => SiteKind.ResidMid,
            "ln2.hook_normalized" => SiteKind.MlpIn,
            "attn.hook_z" => SiteKind.AttnZ,
            _ => SiteKind.AttnPattern,
        }, l);
        return true;
    }

    /// <summary>Parses either spelling; throws <see cref="SfcInputException"/> for an unknown name.</summary>
    public static Site Parse(string text) => TryParse(text, out var s)
        ? s
        : throw new SfcInputException($"unknown site '{text}' (expected e.g. embed, attn_0, mlp_0, resid_0, mlp_in_0 or blocks.0.hook_resid_post)");

    /// <summary>Checks that this site exists in <paramref name="config"/>; throws a clear error if not.</summary>
    public Site ValidateFor(ModelConfig config)
    {
        if (Kind != SiteKind.Embed && (Layer < 0 || Layer >= config.Layers))
            throw new SfcInputException($"site '{Name}' does not exist: the model has {config.Layers} layers (0..{config.Layers - 1})");
        if (Kind == SiteKind.ResidMid && config.ParallelResidual)
            throw new SfcInputException($"site '{Name}' does not exist: the model's blocks are parallel (no residual stream between attention and MLP)");
        return this;
    }

    /// <summary>The dictionary sites of a model in forward order: embed, then attn_L, mlp_L, resid_L per layer.</summary>
    public static IReadOnlyList<Site> DictionarySites(ModelConfig config)
    {
        var list = new List<Site> { Embed };
        for (int l = 0; l < config.Layers; l++)
        {
            list.Add(AttnOut(l));
            list.Add(MlpOut(l));
            list.Add(ResidPost(l));
        }
        return list;
    }

    /// <summary>Position in forward order, for sorting sites.</summary>
    public int Order => Kind == SiteKind.Embed ? -1 : Layer * 16 + Kind switch
    {
        SiteKind.ResidPre => 0,
        SiteKind.AttnPattern => 1,
        SiteKind.AttnZ => 2,
        SiteKind.Attn => 3,
        SiteKind.ResidMid => 4,
        SiteKind.MlpIn => 5,
        SiteKind.Mlp => 6,
        _ => 7,
    };
}
