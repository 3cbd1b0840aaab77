package dev.tollgate.testing.services;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class (or method) that needs these before anything of it runs, {@code @BeforeAll}
 * included: when one is missing, every test in it is reported skipped (or fails under
 * {@code -Dtollgate.tests.requireServices=true}). Tests that ask for a service inside a test call
 * {@link TestServices} directly and need no annotation.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(NeedsCondition.class)
public @interface Needs {
    Need[] value();
}
