package ai.apprentice.tool;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a method as a tool; see {@link Tools#from(Object)}. The tool's name defaults to the method's in snake_case. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface ToolMethod {
    String description();

    String name() default "";
}
