package dev.leakgate.testing;

import dev.leakgate.board.emulated.EmulatedBoard;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One emulated board for the whole test run, started on first use and stopped when JUnit closes
 * the root store at the end of the run. Test methods and constructors get it as a parameter.
 */
public final class SharedEmulatedBoard implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmulatedBoard.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(SharedEmulatedBoard.class))
                .computeIfAbsent(EmulatedBoard.class, key -> EmulatedBoard.start(), EmulatedBoard.class);
    }
}
