package io.impipeline.model;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * One package per concern, dependencies pointing downwards: no package of the upstream-router depends on another
 * that depends back on it, directly or around a circle. ArchUnit checks the main classes' bytecode (tests left out),
 * so a reference without an import counts too.
 */
class PackageCyclesTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.impipeline.model");

    @Test
    void packagesOfTheSharedModelHaveNoCycles() {
        slices().matching("io.impipeline.model.(*)..").should().beFreeOfCycles().check(MAIN);
    }
}
