/* Prints its arguments, one a line, then the variable LEAKGATE_TEST_VALUE, then what stdin holds. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        printf("arg:%s\n", argv[i]);
    }
    const char *v = getenv("LEAKGATE_TEST_VALUE");
    printf("env:%s\n", v ? v : "(unset)");
    int c;
    while ((c = getchar()) != EOF) {
        putchar(c);
    }
    return 0;
}
