package io.impipeline.platform.autoconfigure;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.BindConstructorProvider;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.env.Environment;

/**
 * Binds the contract's plain records ({@code im.topics.*}, {@code im.validation.*}, {@code im.tasks.*}) from the
 * environment. shared-model carries no Spring, so its records cannot be {@code @ConfigurationProperties}: they are
 * bound here by constructor (null for what is not set, which the record turns into its default) and validated
 * with their Bean Validation annotations; a violation stops the app with the property's name.
 */
public final class ContractProperties {

    private ContractProperties() {
    }

    /**
     * A binder that builds a record through its canonical constructor even when the record has convenience
     * constructors too (Spring's default then finds no unique constructor).
     */
    public static Binder binder(Environment environment) {
        return new Binder(ConfigurationPropertySources.get(environment),
                new PropertySourcesPlaceholdersResolver(environment), (ConversionService) null, null, null,
                ContractProperties::canonicalForRecords);
    }

    private static Constructor<?> canonicalForRecords(Bindable<?> bindable, boolean nested) {
        Class<?> type = bindable.getType().resolve();
        if (type != null && type.isRecord() && bindable.getValue() == null) {
            Class<?>[] components = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType)
                    .toArray(Class<?>[]::new);
            try {
                return type.getDeclaredConstructor(components);
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("record without a canonical constructor: " + type, e);
            }
        }
        return BindConstructorProvider.DEFAULT.getBindConstructor(bindable, nested);
    }

    static <T> T bind(Environment environment, String prefix, Class<T> type, Validator validator) {
        T bound = binder(environment).bindOrCreate(prefix, Bindable.of(type));
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
