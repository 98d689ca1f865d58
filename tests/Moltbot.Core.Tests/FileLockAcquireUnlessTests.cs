using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Moltbot.Core.Locking;
using Xunit;

namespace Moltbot.Core.Tests;

public sealed class FileLockAcquireUnlessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "moltbot-unless-" + Guid.NewGuid().ToString("N"));

    public FileLockAcquireUnlessTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Target => Path.Combine(_dir, "auth-profiles.json");

    [Fact]
    public void Gives_up_waiting_once_the_caller_is_satisfied_and_leaves_the_holders_lock_alone()
    {
        using var holder = FileLock.Acquire(Target);
        var satisfiedAt = Stopwatch.StartNew();
        var asked = 0;
        var result = FileLock.AcquireUnless(Target, () => ++asked >= 3, new FileLockOptions { Timeout = TimeSpan.FromSeconds(10) });
        Assert.Null(result);
        Assert.Equal(3, asked);
        Assert.InRange(satisfiedAt.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.True(File.Exists(holder.LockPath));
    }

    [Fact]
    public void Takes_the_lock_when_it_is_free_without_asking()
    {
        var asked = false;
        using var taken = FileLock.AcquireUnless(Target, () => asked = true);
        Assert.NotNull(taken);
        Assert.False(asked);
    }

    [Fact]
    public async Task Takes_the_lock_after_the_release_when_never_satisfied()
    {
        var holder = FileLock.Acquire(Target);
        var waiter = Task.Run(() => FileLock.AcquireUnless(Target, () => false, new FileLockOptions { Timeout = TimeSpan.FromSeconds(10) }));
        await Task.Delay(150);
        Assert.False(waiter.IsCompleted);
        holder.Dispose();
        using var taken = await waiter;
        Assert.NotNull(taken);
    }
}
