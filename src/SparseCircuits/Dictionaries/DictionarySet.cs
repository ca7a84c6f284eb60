using System.Collections;
using System.Runtime.ExceptionServices;
using SparseCircuits.Models;

namespace SparseCircuits.Dictionaries;

/// <summary>
/// The dictionaries of a model, keyed by the site they are spliced into (a transcoder's output site). A site without a
/// dictionary is not spliced. Loaded from a folder with one sub-folder per site (DESIGN.md §4).
/// </summary>
public sealed class DictionarySet : IReadOnlyDictionary<Site, IFeatureDictionary>
{
    /// <summary>The <c>--dictionaries</c> value that asks for identity dictionaries (neuron-level circuits).</summary>
    public const string NeuronsName = "neurons";

    private readonly Dictionary<Site, IFeatureDictionary> bySite;

    public DictionarySet(IEnumerable<IFeatureDictionary> dictionaries, string source = "")
    {
        bySite = new Dictionary<Site, IFeatureDictionary>();
        foreach (var d in dictionaries)
        {
            if (!bySite.TryAdd(d.Info.OutputSite, d))
                throw new ArgumentException($"Two dictionaries for site {d.Info.OutputSite}: {bySite[d.Info.OutputSite].Info.Source} and {d.Info.Source}.");
        }
        Sites = bySite.Keys.OrderBy(s => s.Order).ToArray();
        Source = source;
    }

    /// <summary>Where the set was loaded from.</summary>
    public string Source { get; }

    /// <summary>Spliced sites in forward order.</summary>
    public IReadOnlyList<Site> Sites { get; }

    /// <summary>
    /// Loads every dictionary under <paramref name="folder"/>: each sub-folder (or the single folder nested in it) holding
    /// SAELens or dictionary_learning files is one site's dictionary; other sub-folders are ignored. A folder that is
    /// itself a dictionary gives a set of one. <see cref="NeuronsName"/>, when no such folder exists, gives identity
    /// dictionaries at every site. Every dictionary must fit <paramref name="config"/>: its site must exist and its d_in
    /// must equal d_model, else an <see cref="SfcInputException"/> names the folder.
    /// </summary>
    public static DictionarySet Load(string folder, ModelConfig config)
    {
        if (!Directory.Exists(folder))
        {
            if (folder == NeuronsName) return Identity(config);
            throw SfcInputException.ForFile(folder, "dictionaries folder not found");
        }
        var loaded = new List<IFeatureDictionary>();
        var origin = new Dictionary<Site, string>();
        if (DictionaryLoader.IsDictionaryFolder(folder))
            Add(DictionaryLoader.LoadFolder(folder, null, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))), folder);
        else
        {
            var subs = Directory.GetDirectories(folder).OrderBy(p => p, StringComparer.Ordinal)
                .Select(sub => (Sub: sub, Files: DictionaryLoader.FindFolder(sub)))
                .Where(s => s.Files is not null)
                .ToArray();
            // Two at a time: one file's reading overlaps another's transposes and checks. The first failure in
            // folder order is reported, as a sequential load would.
            var results = new (IFeatureDictionary? Dictionary, ExceptionDispatchInfo? Error)[subs.Length];
            Parallel.For(0, subs.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                try
                {
                    results[i] = (DictionaryLoader.LoadFolder(subs[i].Files!, null, Path.GetFileName(subs[i].Sub)), null);
                }
                catch (Exception e)
                {
                    results[i] = (null, ExceptionDispatchInfo.Capture(e));
                }
            });
            for (int i = 0; i < subs.Length; i++)
            {
                results[i].Error?.Throw();
                Add(results[i].Dictionary!, subs[i].Sub);
            }
        }
        if (loaded.Count == 0)
            throw SfcInputException.ForFile(folder, "no dictionaries found: expected one sub-folder per site holding cfg.json + sae_weights.safetensors or ae.pt");
        return new DictionarySet(loaded, folder);

        void Add(IFeatureDictionary d, string where)
        {
            CheckFits(d, config, where);
            if (origin.TryGetValue(d.Info.OutputSite, out var other))
                throw SfcInputException.ForFile(where, $"second dictionary for site {d.Info.OutputSite} (the first is {other})");
            origin[d.Info.OutputSite] = where;
            loaded.Add(d);
        }
    }

    /// <summary>Identity dictionaries (F = d_model) at <paramref name="sites"/> (default: every dictionary site).</summary>
    public static DictionarySet Identity(ModelConfig config, IEnumerable<Site>? sites = null) =>
        new((sites ?? Site.DictionarySites(config)).Select(s => (IFeatureDictionary)new IdentityDictionary(s.ValidateFor(config), config.DModel)), NeuronsName);

    /// <summary>Throws an <see cref="SfcInputException"/> naming <paramref name="where"/> when the dictionary's sites do
    /// not exist in the model or its dimensions are not d_model.</summary>
    public static void CheckFits(IFeatureDictionary d, ModelConfig config, string where)
    {
        foreach (var site in new[] { d.Info.InputSite, d.Info.OutputSite }.Distinct())
        {
            try
            {
                site.ValidateFor(config);
            }
            catch (SfcInputException e)
            {
                throw SfcInputException.ForFile(where, e.Message);
            }
        }
        if (d.InputDim != config.DModel)
            throw SfcInputException.ForFile(where, $"dictionary d_in = {d.InputDim} does not match the model's d_model = {config.DModel} at site {d.Info.InputSite}");
        if (d.OutputDim != config.DModel)
            throw SfcInputException.ForFile(where, $"dictionary d_out = {d.OutputDim} does not match the model's d_model = {config.DModel} at site {d.Info.OutputSite}");
    }

    /// <summary>Gives back the resident memory of the dictionary at <paramref name="site"/> (see
    /// <see cref="SparseAutoencoder.ReleaseResidentMemory"/>); other dictionaries hold nothing to give back.</summary>
    public void ReleaseResidentMemory(Site site)
    {
        if (bySite.TryGetValue(site, out var d) && d is SparseAutoencoder sae) sae.ReleaseResidentMemory();
    }

    public IFeatureDictionary this[Site key] => bySite[key];

    public IEnumerable<Site> Keys => Sites;

    public IEnumerable<IFeatureDictionary> Values => Sites.Select(s => bySite[s]);

    public int Count => bySite.Count;

    public bool ContainsKey(Site key) => bySite.ContainsKey(key);

    public bool TryGetValue(Site key, out IFeatureDictionary value) => bySite.TryGetValue(key, out value!);

    public IEnumerator<KeyValuePair<Site, IFeatureDictionary>> GetEnumerator() =>
        Sites.Select(s => new KeyValuePair<Site, IFeatureDictionary>(s, bySite[s])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
