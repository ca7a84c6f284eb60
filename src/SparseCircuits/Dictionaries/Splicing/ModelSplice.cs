using SparseCircuits.Models;
using SparseCircuits.Tensors;
using SparseCircuits.Tensors.Autograd;

namespace SparseCircuits.Dictionaries.Splicing;

/// <summary>
/// Every dictionary of a <see cref="DictionarySet"/> spliced into a transformer through forward hooks, one
/// <see cref="SpliceHandles"/> per site. A transcoder's input is read at its input site (a hook that only reads) and
/// its splice replaces its output site.
/// </summary>
public sealed class ModelSplice
{
    private readonly Dictionary<Site, SpliceHandles> handles;

    /// <param name="tracking">Per site, which features get gradients (default: the active ones).</param>
    public ModelSplice(DictionarySet dictionaries, Func<Site, Func<SparseCodes, SparseCodes>>? tracking = null)
    {
        Dictionaries = dictionaries;
        handles = dictionaries.Sites.ToDictionary(s => s, s => new SpliceHandles(tracking?.Invoke(s)));
    }

    public DictionarySet Dictionaries { get; }

    public IReadOnlyDictionary<Site, SpliceHandles> Handles => handles;

    public SpliceHandles this[Site site] => handles[site];

    /// <summary>New hooks that splice every site.</summary>
    public ForwardHooks Hooks() => AddTo(new ForwardHooks());

    /// <summary>Adds the splices to <paramref name="hooks"/> (after any hooks already at the same sites) and returns them.</summary>
    public ForwardHooks AddTo(ForwardHooks hooks)
    {
        foreach (var site in Dictionaries.Sites)
        {
            var dictionary = Dictionaries[site];
            var h = handles[site];
            if (dictionary.Info.IsTranscoder)
            {
                Tensor? input = null;
                hooks.Read(dictionary.Info.InputSite.Name, x => input = x);
                hooks.Replace(site.Name, x => Splice.Apply(x, dictionary, h,
                    input ?? throw new InvalidOperationException($"Transcoder input site {dictionary.Info.InputSite} did not run before {site}.")));
            }
            else hooks.Replace(site.Name, x => Splice.Apply(x, dictionary, h));
        }
        return hooks;
    }
}
