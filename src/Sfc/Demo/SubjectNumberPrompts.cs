using SparseCircuits.Circuits.Analysis;
using SparseCircuits.Circuits.Data;
using SparseCircuits.Datasets.Agreement;
using SparseCircuits.Models.Tokenizers;

namespace Sfc.Demo;

/// <summary>
/// Agreement prompt pairs as number-labelled prompts: the clean and patch prompts differ in exactly the noun the verb
/// agrees with, so that position is the subject, and the clean answer's verb form tells the clean subject's number
/// (the patch prompt has the other number).
/// </summary>
public static class SubjectNumberPrompts
{
    public const string Singular = "singular";
    public const string Plural = "plural";

    public static IReadOnlyList<LabeledPrompt> From(IEnumerable<PromptExample> examples, ITokenizer tokenizer)
    {
        var singularForms = AgreementVocabulary.AnswerVerbs.Select(v => v.Singular).ToHashSet(StringComparer.Ordinal);
        var pluralForms = AgreementVocabulary.AnswerVerbs.Select(v => v.Plural).ToHashSet(StringComparer.Ordinal);
        var prompts = new List<LabeledPrompt>();
        foreach (var e in examples)
        {
            if (e.PatchIds is null) continue;
            int position = FirstDifference(e.CleanIds, e.PatchIds);
            if (position < 0) continue;
            string answer = tokenizer.TokenText(e.CleanAnswerId).Trim();
            string? clean = singularForms.Contains(answer) ? Singular : pluralForms.Contains(answer) ? Plural : null;
            if (clean is null) continue;
            prompts.Add(new LabeledPrompt(e.CleanIds, position, clean));
            prompts.Add(new LabeledPrompt(e.PatchIds, position, clean == Singular ? Plural : Singular));
        }
        return prompts;
    }

    private static int FirstDifference(int[] a, int[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i]) return i;
        return -1;
    }
}
