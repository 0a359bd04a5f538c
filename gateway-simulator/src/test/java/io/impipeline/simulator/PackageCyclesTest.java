package io.impipeline.simulator;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * One package per concern, dependencies pointing downwards: no package of the gateway-simulator depends on another
 * that depends back on it, directly or around a circle. ArchUnit checks the main classes' bytecode (tests left out).
 *
 * <p>Today every class is in {@code io.impipeline.simulator} itself, so there are no sub-packages to compare yet
 * (hence {@code allowEmptyShould}); the rule holds from the first sub-package on.
 */
class PackageCyclesTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.impipeline.simulator");

    @Test
    void packagesOfTheGatewaySimulatorHaveNoCycles() {
        slices().matching("io.impipeline.simulator.(*)..").should().beFreeOfCycles().allowEmptyShould(true)
                .check(MAIN);
    }
}
