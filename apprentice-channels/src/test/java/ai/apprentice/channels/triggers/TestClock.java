package ai.apprentice.channels.triggers;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock the test sets: schedules and debounces follow it, not the wall. */
final class TestClock extends Clock {
    private final AtomicReference<Instant> now;

    TestClock(String instant) {
        this.now = new AtomicReference<>(Instant.parse(instant));
    }

    void set(String instant) {
        now.set(Instant.parse(instant));
    }

    void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }
}
