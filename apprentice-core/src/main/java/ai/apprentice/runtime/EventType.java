package ai.apprentice.runtime;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The wire name of an {@link Event} record. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface EventType {
    String value();
}
