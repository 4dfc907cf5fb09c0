package ai.apprentice.harness;

import ai.apprentice.runtime.RunHook;
import ai.apprentice.runtime.RunResult;
import ai.apprentice.skills.SkillCatalog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The skills index of a run, when the skills are too many to describe them all within the budget: ranked by relevance
 * to the run's task (so the trigger words of the skills that matter are kept), computed once per run and added to each
 * of its model calls after the instructions.
 */
final class SkillIndexHook implements RunHook {
    private final SkillCatalog catalog;
    private final int budget;
    private final SkillCatalog.Relevance relevance;
    private final Map<String, String> byRun = new ConcurrentHashMap<>();

    SkillIndexHook(SkillCatalog catalog, int budget, SkillCatalog.Relevance relevance) {
        this.catalog = catalog;
        this.budget = budget;
        this.relevance = relevance;
    }

    @Override
    public String contextForTurn(Turn turn) {
        return byRun.computeIfAbsent(turn.runId(), id -> catalog.promptSection(budget, turn.task(), relevance));
    }

    @Override
    public void onRunEnd(Turn turn, RunResult result) {
        byRun.remove(turn.runId());
    }
}
