using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;
using SparseCircuits.Tensors.Ops;
using SparseCircuits.Tests.TestSupport;

namespace SparseCircuits.Tests.Models;

public class SiteTests
{
    [Theory]
    [InlineData("resid_3", "resid_3")]
    [InlineData("blocks.3.hook_resid_post", "resid_3")]
    [InlineData("blocks.0.hook_attn_out", "attn_0")]
    [InlineData("blocks.12.hook_mlp_out", "mlp_12")]
    [InlineData("hook_embed", "embed")]
    [InlineData("blocks.2.ln2.hook_normalized", "mlp_in_2")]
    [InlineData("mlp_in_2", "mlp_in_2")]
    [InlineData("blocks.1.attn.hook_pattern", "blocks.1.attn.hook_pattern")]
    public void BothSpellingsNameTheSamePlace(string text, string canonical) => Assert.Equal(canonical, Site.Parse(text).Name);

    [Fact]
    public void UnknownSitesAreClearErrors()
    {
        var e = Assert.Throws<SfcInputException>(() => Site.Parse("resid3"));
        Assert.Contains("resid3", e.Message);
    }

    [SharedFact]
    public void SitesOutsideTheModelAreClearErrors()
    {
        var model = Fixtures.Model("tiny_gpt2");
        var e = Assert.Throws<SfcInputException>(() => Site.Parse("resid_5").ValidateFor(model.Config));
        Assert.Contains("2 layers", e.Message);
    }

    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_gpt_neox")]
    [InlineData("tiny_llama")]
    public void ReplacingEverySiteWithItselfLeavesLogitsUnchanged(string arch)
    {
        var model = Fixtures.Model(arch);
        var tokens = TokenBatch.Single(1, 2, 3, 4, 5, 6);
        var clean = model.Forward(tokens);
        var hooks = new ForwardHooks();
        foreach (var site in Site.DictionarySites(model.Config)) hooks.Replace(site.Name, a => a.Clone());
        Assert.Equal(clean.ToArray(), model.Forward(tokens, hooks).ToArray());
    }

    [SharedFact]
    public void ParallelBlockResidualIsSumOfAttentionAndMlp()
    {
        var model = Fixtures.Model("tiny_gpt_neox");
        Assert.True(model.Config.ParallelResidual);
        var acts = ReadAll(model, TokenBatch.Single(9, 8, 7, 6, 5));
        for (int l = 0; l < model.Config.Layers; l++)
        {
            var prev = l == 0 ? acts["embed"] : acts[$"resid_{l - 1}"];
            var diff = Elementwise.Sub(acts[$"resid_{l}"], prev);
            var parts = Elementwise.Add(acts[$"attn_{l}"], acts[$"mlp_{l}"]);
            Fixtures.AssertRelative(diff.Span, parts, 1e-5, $"resid_{l} - resid_{l - 1} vs attn_{l} + mlp_{l}");
        }
    }

    [SharedTheory]
    [InlineData("tiny_gpt2")]
    [InlineData("tiny_llama")]
    public void SequentialBlockResidualDecomposes(string arch)
    {
        var model = Fixtures.Model(arch);
        var acts = ReadAll(model, TokenBatch.Single(9, 8, 7, 6, 5));
        for (int l = 0; l < model.Config.Layers; l++)
        {
            var prev = l == 0 ? acts["embed"] : acts[$"resid_{l - 1}"];
            Fixtures.AssertRelative(Elementwise.Sub(acts[$"blocks.{l}.hook_resid_mid"], prev).Span, acts[$"attn_{l}"], 1e-5, "resid_mid - resid_pre vs attn");
            Fixtures.AssertRelative(Elementwise.Sub(acts[$"resid_{l}"], acts[$"blocks.{l}.hook_resid_mid"]).Span, acts[$"mlp_{l}"], 1e-5, "resid - resid_mid vs mlp");
        }
    }

    private static Dictionary<string, Tensor> ReadAll(Transformer model, TokenBatch tokens)
    {
        var acts = new Dictionary<string, Tensor>();
        var hooks = new ForwardHooks();
        var names = Site.DictionarySites(model.Config).Select(s => s.Name).ToList();
        if (!model.Config.ParallelResidual)
            names.AddRange(Enumerable.Range(0, model.Config.Layers).Select(l => $"blocks.{l}.hook_resid_mid"));
        foreach (var n in names) hooks.Read(n, a => acts[n] = a.Clone());
        model.Forward(tokens, hooks);
        return acts;
    }
}
