package ai.apprentice.envs.taubench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The starting databases hash exactly as the reference's do (README of the shared data). */
class TauDataTest {
    @Test
    void startingHashesMatchTheReference() {
        var dir = SharedData.taubench();
        assertThat(PyRepr.hash(TauData.load(dir, TauData.Domain.RETAIL)))
                .isEqualTo("5a4b2cb59f4d12dea7e4adff24a7f8fada510ead49372ea4a729a82bbb5f49b5");
        assertThat(PyRepr.hash(TauData.load(dir, TauData.Domain.AIRLINE)))
                .isEqualTo("4587e6b48ad2b2c4f3e1fecb40aabec7bb2286513273b8f8cec3f5865222f290");
    }
}
