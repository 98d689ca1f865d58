using System.Runtime.CompilerServices;
using Moltbot.Core.Config;
using Moltbot.Core.Store;

namespace Moltbot.Core.Tests;

/// <summary>
/// Turns on the change-flag audit for the whole test run (issue 16): every store and config update also serialises
/// the document before and after, as the module did before the change flag, and fails when something changed that the
/// flag did not report. Every existing test that writes through a store or the config thereby checks the flag.
/// </summary>
internal static class ChangeTrackingVerification
{
    [ModuleInitializer]
    internal static void TurnOn()
    {
        AuthStoreFile.VerifyChangeTracking = true;
        OpenClawConfig.VerifyChangeTracking = true;
    }
}
