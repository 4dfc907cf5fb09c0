package ai.apprentice.learn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.apprentice.eval.TrialResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The gate's statistics on trials drawn with known success rates. */
class GateTest {
    private static List<TrialResult> draw(Random rnd, int tasks, int k, java.util.function.IntToDoubleFunction p, double costPerTrial) {
        var out = new ArrayList<TrialResult>();
        for (int t = 0; t < tasks; t++) {
            for (int i = 0; i < k; i++) {
                boolean ok = rnd.nextDouble() < p.applyAsDouble(t);
                out.add(new TrialResult("train/" + t, i, ok ? 1 : 0, "", 1, 100, 10, costPerTrial, 1, null, null));
            }
        }
        return out;
    }

    @Test
    void aClearImprovementIsAcceptedWithItsEvidence() {
        var rnd = new Random(1);
        var inc = draw(rnd, 30, 2, t -> 0.4, 0);
        var cand = draw(rnd, 30, 2, t -> 0.9, 0);
        var v = Gate.judge(inc, cand, Gate.Options.of(2), false);
        assertThat(v.accepted()).isTrue();
        assertThat(v.tasks()).isEqualTo(30);
        assertThat(v.delta()).isEqualTo(v.candidate() - v.incumbent(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(v.low()).isPositive();
        assertThat(v.high()).isGreaterThan(v.delta());
        assertThat(v.json().get("ci95")).hasSize(2);
    }

    @Test
    void aWorseOrEqualCandidateIsRejected() {
        var rnd = new Random(2);
        var inc = draw(rnd, 30, 1, t -> 0.5, 0);
        assertThat(Gate.judge(inc, draw(rnd, 30, 1, t -> 0.1, 0), Gate.Options.of(1), false).accepted()).isFalse();
        assertThat(Gate.judge(inc, inc, Gate.Options.of(1), false).accepted()).as("identical: interval [0, 0]").isFalse();
        // Two tasks both won by a change that does nothing (one time in sixteen): its interval is [+1, +1], still not enough.
        var two = List.of(new TrialResult("a", 0, 0, "", 1, 1, 1, 0, 1, null, null), new TrialResult("b", 0, 0, "", 1, 1, 1, 0, 1, null, null));
        var twoWon = List.of(new TrialResult("a", 0, 1, "", 1, 1, 1, 0, 1, null, null), new TrialResult("b", 0, 1, "", 1, 1, 1, 0, 1, null, null));
        var small = Gate.judge(two, twoWon, Gate.Options.of(1), false);
        assertThat(small.accepted()).isFalse();
        assertThat(small.reason()).contains("at least 6");
        assertThat(small.low()).isEqualTo(1.0);
        var early = Gate.judge(inc, draw(rnd, 30, 1, t -> 0.9, 0), Gate.Options.of(1), true);
        assertThat(early.accepted()).as("a futility stop never accepts").isFalse();
    }

    @Test
    void pairingIsByTaskAndTasksWithTooFewTrialsAreLeftOut() {
        // The candidate is better on every task it ran; tasks it did not run (or ran fewer than k times) do not count.
        var inc = new ArrayList<TrialResult>();
        var cand = new ArrayList<TrialResult>();
        for (int t = 0; t < 7; t++) {
            for (int i = 0; i < 2; i++) {
                inc.add(new TrialResult("t" + t, i, i == 0 ? 1 : 0, "", 1, 1, 1, 0, 1, null, null));
                if (t < 6) cand.add(new TrialResult("t" + t, i, 1, "", 1, 1, 1, 0, 1, null, null));
            }
        }
        cand.add(new TrialResult("t6", 0, 1, "", 1, 1, 1, 0, 1, null, null));
        var v = Gate.judge(inc, cand, Gate.Options.of(2), false);
        assertThat(v.tasks()).isEqualTo(6);
        assertThat(v.delta()).isEqualTo(1.0); // pass^2 per task: incumbent 0 (one of two), candidate 1
        assertThat(v.accepted()).isTrue();
    }

    @Test
    void aNonInferiorCandidateIsAcceptedOnlyWhenAskedAndClearlyCheaper() {
        var rnd = new Random(3);
        var inc = draw(rnd, 40, 2, t -> 0.8, 0.010);
        var same = draw(new Random(3), 40, 2, t -> 0.8, 0.005); // the same outcomes at half the price
        assertThat(Gate.judge(inc, same, Gate.Options.of(2), false).accepted()).as("no margin given: cost alone never wins").isFalse();
        var withMargin = new Gate.Options(2, 0.05, 0.1, true);
        var v = Gate.judge(inc, same, withMargin, false);
        assertThat(v.accepted()).isTrue();
        assertThat(v.reason()).contains("cheaper");
        assertThat(v.costUnit()).isEqualTo("usd");
        var pricier = draw(new Random(3), 40, 2, t -> 0.8, 0.0095);
        assertThat(Gate.judge(inc, pricier, withMargin, false).accepted()).as("5% saving is under the 10% asked").isFalse();
    }

    /** A change that does nothing is accepted at most at the nominal one-sided 2.5% (well under the 5% goal). */
    @Test
    void aNullChangeIsRarelyAccepted() {
        var rnd = new Random(4);
        int accepted = 0, runs = 2000;
        for (int i = 0; i < runs; i++) {
            var p = new double[24];
            for (int t = 0; t < p.length; t++) p[t] = 0.1 + 0.8 * rnd.nextDouble();
            if (Gate.judge(draw(rnd, 24, 1, t -> p[t], 0), draw(rnd, 24, 1, t -> p[t], 0), Gate.Options.of(1), false).accepted()) accepted++;
        }
        assertThat((double) accepted / runs).isLessThanOrEqualTo(0.04);
    }
}
