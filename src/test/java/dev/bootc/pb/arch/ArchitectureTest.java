package dev.bootc.pb.arch;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layout of the README's architecture section, checked on the compiled classes: dependencies
 * point one way, from the entry points through the composition root to the verbs and drivers, to
 * the reconcile core, to the ports; adapters implement ports and know nothing of each other.
 */
class ArchitectureTest {
    static final String PB = "dev.bootc.pb";
    static final String[] ADAPTERS = {PB + ".libvirt..", PB + ".disk..", PB + ".ssh..", PB + ".host..", PB + ".store.file..", PB + ".store.kube.."};
    static JavaClasses classes;
    /** fabric8, but for the CRD schema annotations on the model: those are read when the CRD is generated, and are not on the runtime class path. */
    static final DescribedPredicate<JavaClass> KUBERNETES_AT_RUNTIME = JavaClass.Predicates.resideInAPackage("io.fabric8..")
            .and(DescribedPredicate.not(JavaClass.Predicates.resideInAPackage("io.fabric8.generator.annotation..")))
            .as("fabric8 classes other than its CRD schema annotations");

    @BeforeAll
    static void importMain() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(PB);
    }

    static void check(ArchRule rule) {
        rule.check(classes);
    }

    @Test
    void theModelDependsOnNothingOfPb() {
        check(noClasses().that().resideInAPackage(PB + ".api..").should().dependOnClassesThat()
                .resideInAnyPackage(concat(ADAPTERS, PB + ".port..", PB + ".reconcile..", PB + ".store..", PB + ".driver..", PB + ".verbs..",
                        PB + ".boot..", PB + ".cli..", PB + ".os.."))
                .orShould().dependOnClassesThat(KUBERNETES_AT_RUNTIME)
                .as("api depends on no other package of pb, and not on the Kubernetes client (its CRD schema annotations are compile-time only)"));
    }

    @Test
    void theCoreImportsNoAdapterNoDriverNoStore() {
        check(noClasses().that().resideInAPackage(PB + ".reconcile..").should().dependOnClassesThat()
                .resideInAnyPackage(concat(ADAPTERS, PB + ".store..", PB + ".driver..", PB + ".verbs..", PB + ".boot..", PB + ".cli..", PB + ".os..")));
    }

    @Test
    void portsDependOnlyOnTheModel() {
        check(noClasses().that().resideInAPackage(PB + ".port..").should().dependOnClassesThat()
                .resideInAnyPackage(concat(ADAPTERS, PB + ".reconcile..", PB + ".store..", PB + ".driver..", PB + ".verbs..", PB + ".boot..", PB + ".cli..", PB + ".os..")));
    }

    @Test
    void adaptersNeverImportEachOther() {
        for (String adapter : ADAPTERS) {
            String[] others = java.util.Arrays.stream(ADAPTERS).filter(a -> !a.equals(adapter)).toArray(String[]::new);
            check(noClasses().that().resideInAPackage(adapter).should().dependOnClassesThat().resideInAnyPackage(others));
        }
    }

    @Test
    void adaptersKnowNoCoreNoDriverNoVerb() {
        check(noClasses().that().resideInAnyPackage(ADAPTERS).should().dependOnClassesThat()
                .resideInAnyPackage(PB + ".reconcile..", PB + ".driver..", PB + ".verbs..", PB + ".boot..", PB + ".cli.."));
    }

    @Test
    void onlyTheCompositionRootKnowsConcreteAdapters() {
        // the Kubernetes driver works on fabric8's frame of the resource (store.kube), as the framework hands it over
        check(noClasses().that().resideOutsideOfPackages(concat(ADAPTERS, PB + ".boot..", PB + ".driver.kube.."))
                .and().doNotHaveFullyQualifiedName(PB + ".KubeOperatorApp")
                .should().dependOnClassesThat().resideInAnyPackage(ADAPTERS));
    }

    @Test
    void theCliImportsOnlyVerbsTheModelAndTheRoot() {
        check(noClasses().that().resideInAPackage(PB + ".cli..").should().dependOnClassesThat()
                .resideInAnyPackage(concat(ADAPTERS, PB + ".reconcile..", PB + ".driver..", PB + ".store..", PB + ".os..")));
    }

    @Test
    void verbsAndDriversGoThroughPorts() {
        check(noClasses().that().resideInAnyPackage(PB + ".verbs..", PB + ".driver..").should().dependOnClassesThat()
                .resideInAnyPackage(PB + ".boot..", PB + ".cli.."));
        check(noClasses().that().resideInAPackage(PB + ".driver..").should().dependOnClassesThat().resideInAPackage(PB + ".verbs.."));
    }

    @Test
    void noCyclesBetweenPackages() {
        check(slices().matching(PB + ".(*)..").should().beFreeOfCycles());
    }

    @Test
    void frameworksStayAtTheirEdges() {
        check(noClasses().that().resideOutsideOfPackages(PB + ".store.kube..", PB + ".driver.kube..", PB + ".boot..", PB)
                .should().dependOnClassesThat(KUBERNETES_AT_RUNTIME)
                .orShould().dependOnClassesThat().resideInAnyPackage("io.javaoperatorsdk..", "io.quarkus..", "jakarta.enterprise..", "jakarta.inject..")
                .as("Kubernetes, the Operator SDK and Quarkus are used only by the cluster side, the root and the entry points"));
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
