package ai.apprentice.temporal.run;

import ai.apprentice.runtime.Agent;
import ai.apprentice.runtime.Event;
import ai.apprentice.runtime.RunLog;
import ai.apprentice.store.RunStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker keeps of the runs whose parts it carried out, so that the next part of a run on the same worker does
 * not build the run's agent again nor read all its events again: the agent (with the approver its gate asks, told
 * each part's answer) and the run's events as stored so far. The run store stays the truth: a part takes its run's
 * entry out (so two attempts of one part never share it), reads the events stored since the entry's last one, and
 * when there are any (another worker did a part meanwhile, or an attempt of this one that was given up) builds
 * everything again from the store, as a worker that never saw the run does; a run's first part in a workflow (its
 * beginning, a resumed run's first part) always does. An entry goes back only after a part
 * that returned, with the events that part stored; a part that failed or was cancelled drops it, and so does a run's
 * end. At most {@code size} runs are kept, the least recently used dropped first.
 */
final class WarmRuns {
    /**
     * Runs a worker keeps by default. What it costs is their events in memory (as an in-process run holds its history),
     * so a worker keeping 32 runs of 5 MB of tool results each holds 160 MB more; a run dropped is built again.
     */
    static final int DEFAULT_SIZE = 32;

    /** What the agent was built from: a part whose input says otherwise gets a new one. */
    record Settings(String workspace, Map<String, Object> flags, String task, String parentId, String previousRunId, boolean givenMessages) {
        static Settings of(RunInput in) {
            return new Settings(in.workspace(), in.flags(), in.task(), in.parentId(), in.previousRunId(), in.givenMessages());
        }
    }

    /** A run's kept state: its agent, the approver the agent's gate asks, and its events read so far. */
    static final class Warm {
        final Settings settings;
        final Agent agent;
        final RunActivitiesImpl.PartApprover approver;
        final Events events;

        Warm(Settings settings, Agent agent, RunActivitiesImpl.PartApprover approver, Events events) {
            this.settings = settings;
            this.agent = agent;
            this.approver = approver;
            this.events = events;
        }
    }

    private final int size;
    private final LinkedHashMap<String, Warm> runs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Warm> eldest) {
            return size() > size;
        }
    };

    WarmRuns(int size) {
        this.size = size;
    }

    /** The run's entry, taken out until {@link #keep}: null when there is none. */
    synchronized Warm take(String runId) {
        return runs.remove(runId);
    }

    synchronized void keep(String runId, Warm warm) {
        if (size > 0) runs.put(runId, warm);
    }

    synchronized int size() {
        return runs.size();
    }

    /**
     * A run's events read incrementally: the first read reads them all, each later one only those stored after the
     * last it saw (events are numbered in their run, gap-free, and never renumbered). What the store holds back for a
     * step in flight is not read until flushed, as with {@link RunStore#events}.
     */
    static final class Events implements RunLog {
        private static final int PAGE = 1000;
        private final RunStore store;
        private final String runId;
        private final List<Event> read = new ArrayList<>();
        private long lastSeq;

        Events(RunStore store, String runId) {
            this.store = store;
            this.runId = runId;
        }

        /** Reads what was stored since the last read; returns how many events that was. */
        int catchUp() {
            int n = 0;
            while (true) {
                var page = store.eventsAfter(runId, lastSeq, PAGE);
                for (var row : page) {
                    read.add(store.event(runId, row));
                    lastSeq = row.seq();
                }
                n += page.size();
                if (page.size() < PAGE) return n;
            }
        }

        @Override
        public List<Event> events(String runId) {
            if (!runId.equals(this.runId)) return store.events(runId);
            catchUp();
            return List.copyOf(read);
        }

        @Override
        public void flush() {
            store.flush();
        }
    }
}
