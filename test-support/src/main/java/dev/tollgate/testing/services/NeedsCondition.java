package dev.tollgate.testing.services;

import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

/** Disables what {@link Needs} something this machine lacks; see {@link TestServices}. */
public final class NeedsCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<Needs> needs = context.getElement().flatMap(e -> AnnotationSupport.findAnnotation(e, Needs.class));
        if (needs.isEmpty()) {
            return ConditionEvaluationResult.enabled("needs nothing");
        }
        for (Need need : needs.get().value()) {
            try {
                TestServices.require(need);
            } catch (TestAbortedException missing) {
                return ConditionEvaluationResult.disabled(missing.getMessage());
            }
        }
        return ConditionEvaluationResult.enabled("has what it needs");
    }
}
