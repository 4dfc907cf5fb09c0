package ai.apprentice.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    @Test
    void unbiasedEstimators() {
        // n=4 trials, c=2 successes: pass@1 = 0.5, pass@2 = 1 - C(2,2)/C(4,2) = 5/6; pass^2 = C(2,2)/C(4,2) = 1/6
        assertThat(Metrics.passAtK(4, 2, 1)).isCloseTo(0.5, within(1e-12));
        assertThat(Metrics.passAtK(4, 2, 2)).isCloseTo(5.0 / 6, within(1e-12));
        assertThat(Metrics.passHatK(4, 2, 2)).isCloseTo(1.0 / 6, within(1e-12));
        assertThat(Metrics.passHatK(4, 2, 3)).isZero();
        assertThat(Metrics.passAtK(4, 0, 4)).isZero();
        assertThat(Metrics.passHatK(4, 4, 4)).isEqualTo(1.0);
        assertThat(Metrics.passAtK(200, 100, 50)).isCloseTo(1.0, within(1e-9)); // no overflow
        assertThatThrownBy(() -> Metrics.passHatK(2, 1, 3)).hasMessageContaining("exceeds");
    }

    @Test
    void bootstrapIsReproducibleAndBracketsTheMean() {
        var tasks = List.of(new Metrics.TaskOutcome("a", 4, 4), new Metrics.TaskOutcome("b", 4, 0),
                new Metrics.TaskOutcome("c", 4, 2), new Metrics.TaskOutcome("d", 4, 3));
        var e = Metrics.bootstrap(tasks, t -> Metrics.passHatK(t.trials(), t.successes(), 1), 7);
        assertThat(e.value()).isCloseTo(0.5625, within(1e-12));
        assertThat(e.low()).isLessThanOrEqualTo(e.value());
        assertThat(e.high()).isGreaterThanOrEqualTo(e.value());
        assertThat(Metrics.bootstrap(tasks, t -> Metrics.passHatK(t.trials(), t.successes(), 1), 7)).isEqualTo(e);
    }
}
