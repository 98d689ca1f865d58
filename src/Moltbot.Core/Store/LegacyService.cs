using System.Threading;
using Moltbot.Core.Agents;
using Moltbot.Core.Locking;

namespace Moltbot.Core.Store;

/// <summary>On-demand import of the legacy credential files into an agent's store.</summary>
public static class LegacyService
{
    /// <summary>
    /// Imports <c>credentials/oauth.json</c> and the agent's legacy <c>auth.json</c> into its store under the store
    /// lock, never overwriting a profile. With <paramref name="dryRun"/> the result says what would happen and nothing
    /// is written. Importing twice changes nothing the second time.
    /// </summary>
    public static LegacyImportResult Import(AgentLocation agent, bool dryRun, FileLockOptions? lockOptions = null, CancellationToken cancellationToken = default)
    {
        var legacy = agent.Legacy ?? new LegacySources(null, null);
        if (dryRun)
        {
            // What is in the store now, without the first-use import a read previews: that import is what is asked for.
            var preview = (agent.Store is JsonCredentialStore json ? AuthStoreFile.TryLoad(json.Path) : agent.Store.Load())?.Clone() ?? AuthProfileStore.CreateEmpty();
            return LegacyImporter.Import(preview, legacy);
        }
        var explicitResult = agent.Store.Update(store => LegacyImporter.Import(store, legacy), new StoreUpdateOptions { LockOptions = lockOptions }, cancellationToken);
        var automatic = agent.Store.LastLegacyImport;
        if (explicitResult.AuthJsonConsumed && agent.Store is JsonCredentialStore && legacy.AuthJsonPath is { } authJson && System.IO.File.Exists(agent.StorePath))
        {
            // The store holding the imported profiles has been written: the legacy auth.json has served its purpose.
            try
            {
                System.IO.File.Delete(authJson);
            }
            catch (System.IO.IOException)
            {
            }
        }
        return automatic is not null ? Merge(automatic, explicitResult) : explicitResult;
    }

    private static LegacyImportResult Merge(LegacyImportResult first, LegacyImportResult second)
    {
        // The store was missing: Update imported on first use, then the explicit pass found everything present.
        var merged = new LegacyImportResult { AuthJsonConsumed = first.AuthJsonConsumed || second.AuthJsonConsumed };
        merged.Items.AddRange(first.Items);
        return merged;
    }
}
