using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using Moltbot.Core;
using Moltbot.Core.Agents;
using Moltbot.Core.Profiles;
using Moltbot.Core.Store;

namespace Moltbot.Commands;

/// <summary>
/// A setter whose pipeline input is written in batches (issue 16): each item is checked and confirmed (ShouldProcess)
/// as it arrives, then queued for its agent; a batch is one locked write of that agent's store (and one of
/// openclaw.json), made when it holds <see cref="WriteBatchLimits.MaxItems"/> items, when its oldest item has waited
/// <see cref="WriteBatchLimits.MaxWaitMilliseconds"/> (checked as each item arrives), and at the end of the pipe. Nothing
/// waits for a person while a lock is held: prompts happen before an item is queued, the lock only during the write.
/// An item is acknowledged (its output, its "done" verbose line) only once its batch is on disk. Ctrl+C drops the
/// items still queued: they are not written and not acknowledged. Without pipeline input the one item is written at
/// once and its error stops the command, as before; with pipeline input an item's error is its own (non-terminating)
/// and the rest go on.
/// </summary>
/// <remarks>
/// Not generic itself: PowerShell loads a cmdlet's base types when it scans the module, before Moltbot.Core can be
/// resolved, so the queue of typed items is a member (<see cref="PipelineBatches{TItem}"/>), not a type argument.
/// </remarks>
public abstract class MoltbotBatchWriteCmdlet : MoltbotWriteCmdlet
{
    private readonly Dictionary<string, AgentLocation> _agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AuthProfileStore?> _snapshots = new(StringComparer.Ordinal);
    private IFlushable? _queue;

    internal interface IFlushable
    {
        void FlushAll();

        void FlushDue();
    }

    /// <summary>The queue of this command's items (one per command), made on first use with the cmdlet's write and acknowledgement.</summary>
    internal PipelineBatches<TItem> Queue<TItem>(
        Func<AgentLocation, IReadOnlyList<TItem>, IReadOnlyList<BatchOutcome<TItem>>> write,
        Action<AgentLocation, IReadOnlyList<TItem>> acknowledge,
        Func<TItem, object> target)
    {
        _queue ??= new PipelineBatches<TItem>(this, write, acknowledge, target);
        return (PipelineBatches<TItem>)_queue;
    }

    internal override bool ItemErrorsAreNonTerminating => true;

    /// <summary>Whether -Force skips this cmdlet's confirmation (Remove-MoltbotAuthProfile).</summary>
    internal virtual bool Forced => false;

    /// <summary>
    /// As each item arrives: the batches whose oldest item has waited too long are written; and when this item will
    /// ask a person (-Confirm, or a $ConfirmPreference that prompts), everything queued is written first, so that
    /// nothing waits on an answer.
    /// </summary>
    internal override void BeforeItem()
    {
        if (_queue is null)
        {
            return;
        }
        if (!WhatIfRequested && ShouldProcessWillShow(Forced))
        {
            _queue.FlushAll();
        }
        else
        {
            _queue.FlushDue();
        }
    }

    /// <summary>
    /// The agent -Agent names (or the default agent), looked up once per name for the whole pipe: the same object for
    /// every item, so that its batch is one store.
    /// </summary>
    internal AgentLocation BatchAgent(string? name)
    {
        var key = name ?? string.Empty;
        if (!_agents.TryGetValue(key, out var agent))
        {
            agent = State.RequireAgent(name);
            agent = _agents.Values.FirstOrDefault(a => a.AgentDir == agent.AgentDir) ?? agent;
            _agents[key] = agent;
        }
        return agent;
    }

    /// <summary>
    /// The agent's store as read before its queued items are written, read once until its next batch is written: what
    /// a ShouldProcess message or a default profile id is decided on. Not a read to decide a write on: the write
    /// re-reads inside the lock.
    /// </summary>
    internal AuthProfileStore? Snapshot(AgentLocation agent)
    {
        if (!_snapshots.TryGetValue(agent.AgentDir, out var store))
        {
            store = agent.LoadStore();
            _snapshots[agent.AgentDir] = store;
        }
        return store;
    }

    /// <summary>Forgets the snapshot of an agent whose batch is being written.</summary>
    internal void ForgetSnapshot(AgentLocation agent) => _snapshots.Remove(agent.AgentDir);

    /// <summary>
    /// An item's own failure: non-terminating when the command has pipeline input (the rest go on), else it stops the
    /// command as a single write always did.
    /// </summary>
    internal void ReportItemError(MoltbotException error, object target)
    {
        if (!MyInvocation.ExpectingInput)
        {
            throw error;
        }
        WriteMoltbotError(error, target);
    }

    protected override void EndProcessing()
    {
        try
        {
            _queue?.FlushAll();
        }
        catch (MoltbotException ex)
        {
            ThrowTerminatingError(Errors.MoltbotErrors.From(ex));
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            return; // Ctrl+C: PowerShell reports the stop itself; what is still queued is not written.
        }
        base.EndProcessing();
    }
}

/// <summary>
/// The queued items of one command, per agent, and when they are written (see <see cref="MoltbotBatchWriteCmdlet"/>).
/// </summary>
/// <typeparam name="TItem">What the cmdlet queues for one input.</typeparam>
internal sealed class PipelineBatches<TItem> : MoltbotBatchWriteCmdlet.IFlushable
{
    private sealed class Batch
    {
        public Batch(AgentLocation agent) => Agent = agent;

        public AgentLocation Agent { get; }

        public List<TItem> Items { get; } = new();

        public Stopwatch Age { get; } = Stopwatch.StartNew();
    }

    private readonly List<Batch> _pending = new();
    private readonly MoltbotBatchWriteCmdlet _cmdlet;
    private readonly Func<AgentLocation, IReadOnlyList<TItem>, IReadOnlyList<BatchOutcome<TItem>>> _write;
    private readonly Action<AgentLocation, IReadOnlyList<TItem>> _acknowledge;
    private readonly Func<TItem, object> _target;

    public PipelineBatches(MoltbotBatchWriteCmdlet cmdlet,
        Func<AgentLocation, IReadOnlyList<TItem>, IReadOnlyList<BatchOutcome<TItem>>> write,
        Action<AgentLocation, IReadOnlyList<TItem>> acknowledge,
        Func<TItem, object> target)
    {
        _cmdlet = cmdlet;
        _write = write;
        _acknowledge = acknowledge;
        _target = target;
    }

    /// <summary>Whether an item queued for <paramref name="agent"/> and not written yet matches.</summary>
    public bool IsQueued(AgentLocation agent, Func<TItem, bool> match) =>
        _pending.Any(b => b.Agent.AgentDir == agent.AgentDir && b.Items.Any(match));

    /// <summary>Queues a confirmed item; writes the batches that are due.</summary>
    public void Enqueue(AgentLocation agent, TItem item)
    {
        var batch = _pending.FirstOrDefault(b => b.Agent.AgentDir == agent.AgentDir);
        if (batch is null)
        {
            batch = new Batch(agent);
            _pending.Add(batch);
        }
        batch.Items.Add(item);
        if (!_cmdlet.MyInvocation.ExpectingInput)
        {
            FlushAll();
            return;
        }
        if (batch.Items.Count >= WriteBatchLimits.MaxItems)
        {
            Flush(batch);
        }
        FlushDue();
    }

    /// <summary>Writes every batch when the oldest queued item has waited <see cref="WriteBatchLimits.MaxWaitMilliseconds"/>.</summary>
    public void FlushDue()
    {
        if (_pending.Count > 0 && _pending.Max(b => b.Age.ElapsedMilliseconds) >= WriteBatchLimits.MaxWaitMilliseconds)
        {
            FlushAll();
        }
    }

    /// <summary>Writes every queued batch, oldest first.</summary>
    public void FlushAll()
    {
        while (_pending.Count > 0)
        {
            Flush(_pending[0]);
        }
    }

    private void Flush(Batch batch)
    {
        _pending.Remove(batch);
        _cmdlet.ForgetSnapshot(batch.Agent);
        _cmdlet.Cancellation.ThrowIfCancellationRequested();
        IReadOnlyList<BatchOutcome<TItem>> outcomes;
        try
        {
            outcomes = _write(batch.Agent, batch.Items);
        }
        catch (MoltbotException ex) when (_cmdlet.MyInvocation.ExpectingInput)
        {
            // The whole write failed (lock timeout, unreadable store or config): each item of the batch says so, with
            // the same error, and none of them is acknowledged.
            foreach (var item in batch.Items)
            {
                _cmdlet.WriteMoltbotError(ex, _target(item));
            }
            return;
        }
        finally
        {
            _cmdlet.ForgetSnapshot(batch.Agent);
        }
        if (_cmdlet.MyInvocation.ExpectingInput)
        {
            _cmdlet.WriteVerbose($"Wrote a batch of {batch.Items.Count} item(s) for agent '{batch.Agent.Id}' ({batch.Agent.Store.Location}) under one lock.");
        }
        _cmdlet.ReportLegacyImport(batch.Agent);
        var written = new List<TItem>(batch.Items.Count);
        for (var i = 0; i < batch.Items.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                _cmdlet.ReportItemError(error, _target(batch.Items[i]));
            }
            else
            {
                written.Add(outcomes[i].Value);
            }
        }
        if (written.Count > 0)
        {
            _acknowledge(batch.Agent, written);
        }
    }
}
