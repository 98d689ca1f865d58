using System;
using Moltbot.Core.Locking;
using Xunit;

namespace Moltbot.Core.Tests;

/// <summary>The waiter's pause schedule (issue 16): short pauses at first, then backed off to a cap. No clock involved.</summary>
public sealed class FileLockBackoffTests
{
    [Fact]
    public void Pauses_stay_within_4_to_8_ms_at_first_then_back_off_to_10_to_20_ms_and_never_beyond_the_cap()
    {
        var options = FileLockOptions.Default;
        var random = new Random(16);
        for (var i = 0; i < 2000; i++)
        {
            var early = FileLock.NextPause(options, TimeSpan.FromMilliseconds(i % 100), random);
            Assert.InRange(early, 4, 8);
            var late = FileLock.NextPause(options, TimeSpan.FromMilliseconds(220 + i * 50), random);
            Assert.InRange(late, 10, 20);
            var between = FileLock.NextPause(options, TimeSpan.FromMilliseconds(100 + i % 120), random);
            Assert.InRange(between, 4, 20);
        }
    }

    [Fact]
    public void A_cap_below_the_first_interval_never_shortens_it_and_the_pause_is_at_least_1_ms()
    {
        var random = new Random(7);
        var options = new FileLockOptions { PollInterval = TimeSpan.FromMilliseconds(12), MaxPollInterval = TimeSpan.FromMilliseconds(2) };
        Assert.InRange(FileLock.NextPause(options, TimeSpan.FromSeconds(5), random), 6, 12);
        var tiny = new FileLockOptions { PollInterval = TimeSpan.Zero, MaxPollInterval = TimeSpan.Zero };
        Assert.Equal(1, FileLock.NextPause(tiny, TimeSpan.FromSeconds(5), random));
    }
}
