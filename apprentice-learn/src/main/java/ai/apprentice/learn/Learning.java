package ai.apprentice.learn;

import ai.apprentice.eval.AgentPolicy;
import ai.apprentice.eval.Policy;
import ai.apprentice.harness.AgentSpec;
import ai.apprentice.harness.Harness;
import ai.apprentice.harness.Session;
import ai.apprentice.json.Json;
import ai.apprentice.memory.playbook.LearnedStore;
import ai.apprentice.memory.playbook.Playbook;
import ai.apprentice.runtime.RunIds;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Learning as the entry points use it: gate one candidate, apply what was accepted, show and undo what learning
 * changed. Everything is recorded in the harness's learned store; agents are assembled by the harness.
 */
public final class Learning {
    private final Harness harness;

    public Learning(Harness harness) {
        this.harness = harness;
    }

    public LearnedStore store() {
        return harness.learned();
    }

    /** The agent under test for an environment, assembled as {@code eval} assembles it. */
    public static Function<Session, Policy> agent(String envName, boolean skills, boolean memory) {
        return session -> new AgentPolicy((policy, tools, maxSteps) -> session.builder(AgentSpec.environment(envName, policy, tools, maxSteps, skills, memory)));
    }

    /**
     * Gates {@code candidate} against the session's incumbent on {@code tasks}, records the decision, and with
     * {@code apply} makes an accepted candidate live. The JSON has at least {@code accepted}, {@code k}, {@code delta},
     * {@code ci95}, {@code incumbent_eval} and {@code candidate_eval}.
     */
    public ObjectNode gate(Evaluator evaluator, Session session, Candidate candidate, String split, List<Integer> tasks, Gate.Options options,
                           long seed, boolean apply) throws InterruptedException {
        String env = evaluator.env().name();
        String decisionId = "d-" + RunIds.next();
        var o = Json.object().put("decision", decisionId).put("env", env).put("candidate", candidate.title()).put("split", split);
        o.set("tasks", Json.MAPPER.valueToTree(tasks));
        Session candidateSession;
        Playbook.Applied applied = null;
        Path root = null;
        if (candidate.isSkill()) {
            if (LearnedSkills.same(harness.home().resolve("skills"), candidate.skill())) {
                return unchanged(o, "the installed skill has exactly these files", options, decisionId, env, candidate);
            }
            root = LearnedSkills.stage(candidate.skill());
            candidateSession = session.withSkillRoot(root);
        } else {
            applied = session.playbook().apply(candidate.edits(), List.of(decisionId), harness.lessonSimilarity());
            o.set("notes", Json.MAPPER.valueToTree(applied.notes()));
            if (!applied.changed()) return unchanged(o, String.join("; ", applied.notes()), options, decisionId, env, candidate);
            candidateSession = session.withPlaybook(applied.playbook());
        }
        try {
            var result = GateRun.run(evaluator, session, candidateSession, split, tasks, options, seed, null);
            o.setAll(result.verdict().json());
            o.put("incumbent_eval", result.incumbent().id()).put("candidate_eval", result.candidate().id()).put("rollouts", result.rollouts());
            boolean accepted = result.verdict().accepted();
            String artifact = null;
            Integer before = null, after = null;
            if (accepted && apply) {
                if (candidate.isSkill()) {
                    var a = LearnedSkills.apply(store(), harness.home().resolve("skills"), candidate.skill(), "accepted " + candidate.title(), decisionId);
                    artifact = a.artifact();
                    before = a.before();
                    after = a.after();
                } else {
                    var similarity = harness.lessonSimilarity();
                    var saved = store().updatePlaybook(live -> live.apply(candidate.edits(), List.of(decisionId), similarity).playbook(),
                            "accepted " + candidate.title(), decisionId);
                    if (saved != null) {
                        artifact = LearnedStore.PLAYBOOK;
                        before = saved[0].version();
                        after = saved[1].version();
                    }
                }
            }
            o.put("applied", artifact != null);
            record(decisionId, env, candidate, accepted, o, artifact, before, after);
            return o;
        } finally {
            if (root != null) LearnedSkills.restore(null, root); // the staged copy goes
        }
    }

    /** The verdict on a candidate that changes nothing: rejected without a rollout, and recorded. */
    private ObjectNode unchanged(ObjectNode o, String why, Gate.Options options, String decisionId, String env, Candidate candidate) {
        o.put("accepted", false).put("reason", "the candidate changes nothing: " + why).put("k", options.k())
                .put("delta", 0.0).putNull("incumbent_eval").putNull("candidate_eval").put("rollouts", 0);
        o.putArray("ci95").add(0.0).add(0.0);
        record(decisionId, env, candidate, false, o, null, null, null);
        return o;
    }

    private void record(String id, String env, Candidate candidate, boolean accepted, ObjectNode evidence, String artifact, Integer before, Integer after) {
        store().record(new LearnedStore.Decision(id, Instant.now(), candidate.isSkill() ? "skill" : "lessons", env, accepted,
                candidate.title() + " -> " + evidence.path("reason").asText(), evidence.toString(), artifact, before, after, null));
    }

    /**
     * Learns which model should run an environment's agents: each of {@code models} in turn is gated against the
     * incumbent (the routed model, else the session's) on {@code tasks}; a model is taken when it is better, or, with a
     * margin, non-inferior and at least 10% cheaper. Every comparison is a recorded decision; with {@code apply} the
     * choice goes live as the {@code routing} artifact (undo restores the previous routing).
     */
    public ObjectNode route(Evaluator evaluator, Session session, List<String> models, String split, List<Integer> tasks, Gate.Options options,
                            long seed, boolean apply) throws InterruptedException {
        String env = evaluator.env().name();
        var scope = ai.apprentice.memory.playbook.Scopes.environment(env);
        var routing = session.routing();
        String incumbent = routing.model(scope).orElseGet(() -> session.model().id());
        var o = Json.object().put("env", env).put("scope", scope).put("incumbent_model", incumbent);
        var decisions = o.putArray("decisions");
        Evaluator.Evaluation incumbentEval = null;
        int rollouts = 0;
        for (var model : models) {
            String decisionId = "d-" + RunIds.next();
            var d = decisions.addObject().put("decision", decisionId).put("model", model).put("against", incumbent);
            if (model.equals(incumbent)) {
                d.put("accepted", false).put("reason", "already the incumbent").put("rollouts", 0);
                continue;
            }
            var candidate = routing.with(scope, model);
            var result = GateRun.run(evaluator, session.withRouting(routing), session.withRouting(candidate), split, tasks, options, seed, incumbentEval);
            rollouts += result.rollouts();
            d.setAll(result.verdict().json());
            d.put("incumbent_eval", result.incumbent().id()).put("candidate_eval", result.candidate().id()).put("rollouts", result.rollouts());
            String artifact = null;
            Integer before = null, after = null;
            if (result.verdict().accepted()) {
                if (apply) {
                    artifact = ai.apprentice.memory.playbook.Routing.ARTIFACT;
                    before = store().liveVersion(artifact).map(LearnedStore.Version::version).orElse(0);
                    after = store().put(artifact, candidate.json(), "route " + scope + " to " + model, decisionId).version();
                }
                routing = candidate;
                incumbent = model;
                incumbentEval = result.candidate();
            } else {
                incumbentEval = result.incumbent();
            }
            store().record(new LearnedStore.Decision(decisionId, Instant.now(), "routing", env, result.verdict().accepted(),
                    "route to " + model + " -> " + result.verdict().reason(), d.toString(), artifact, before, after, null));
        }
        o.put("chosen_model", incumbent).put("rollouts", rollouts).put("applied", apply);
        return o;
    }

    /**
     * Undoes a decision: the artifact it changed is as it was before, byte for byte (a skill's folder is rewritten
     * to match). Returns what was restored, in words.
     */
    public String undo(String decisionId) {
        String undoId = "u-" + RunIds.next();
        var restored = store().undo(decisionId, undoId);
        if (restored.artifact().startsWith("skill:")) {
            var name = restored.artifact().substring("skill:".length());
            LearnedSkills.restore(restored.content(), harness.home().resolve("skills").resolve(name));
        }
        return restored.artifact() + " is back to " + (restored.content() == null ? "not existing" : "its state before the decision")
                + " (version " + restored.version() + ")";
    }

    /** The live playbook by scope, learned skills, recent decisions, and how much feedback waits in the run store. */
    public ObjectNode status() {
        var pb = store().playbook();
        var o = Json.object().put("store", store().where()).put("lessons", pb.lessons().size()).put("token_budget", pb.tokenBudget());
        var scopes = o.putObject("scopes");
        pb.lessons().stream().map(l -> l.scope()).distinct().sorted()
                .forEach(s -> scopes.putObject(s).put("lessons", pb.in(List.of(s)).size()).put("tokens", pb.tokens(s)));
        var routes = o.putObject("routes");
        store().routing().routes().forEach(routes::put);
        var skills = o.putArray("skills");
        store().artifacts().stream().filter(a -> a.startsWith("skill:")).forEach(a -> skills.add(a.substring(6)));
        var decisions = store().decisions(Integer.MAX_VALUE);
        o.put("decisions", decisions.size()).put("accepted", decisions.stream().filter(LearnedStore.Decision::accepted).count());
        decisions.stream().findFirst().ifPresent(d -> o.put("last_decision", d.id() + " " + d.at() + " " + d.summary()));
        var recent = harness.store().list(1000).stream().map(ai.apprentice.store.RunRecord::id).toList();
        var outcomes = harness.store().outcomes(recent).values();
        o.put("recent_runs", recent.size()).put("runs_with_feedback", outcomes.stream().filter(r -> r.feedback() > 0).count())
                .put("runs_with_corrections", outcomes.stream().filter(r -> r.lastCorrection() != null).count())
                .put("runs_with_reward", outcomes.stream().filter(r -> r.reward() != null).count());
        return o;
    }
}
