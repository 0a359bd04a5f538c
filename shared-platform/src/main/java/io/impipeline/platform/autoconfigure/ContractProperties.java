package io.impipeline.platform.autoconfigure;

import java.util.Set;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Binds the contract's plain records ({@code im.topics.*}, {@code im.validation.*}, {@code im.tasks.*}) from the
 * environment. shared-model carries no Spring, so its records cannot be {@code @ConfigurationProperties}: they are
 * bound here by constructor (null for what is not set, which the record turns into its default) and validated
 * with their Bean Validation annotations; a violation stops the app with the property's name.
 */
final class ContractProperties {

    private ContractProperties() {
    }

    static <T> T bind(Environment environment, String prefix, Class<T> type, Validator validator) {
        T bound = Binder.get(environment).bindOrCreate(prefix, Bindable.of(type));
        Set<ConstraintViolation<T>> violations = validator.validate(bound);
        if (!violations.isEmpty()) {
            throw new IllegalStateException("invalid configuration: " + violations.stream()
                    .map(v -> prefix + "." + v.getPropertyPath() + " " + v.getMessage()
                            + " (was " + v.getInvalidValue() + ")")
                    .sorted()
                    .collect(Collectors.joining("; ")));
        }
        return bound;
    }
}
