/*
 * A program that needs a config file, as real daemons do: argv[1] names it. Each line "leak=N"
 * loses N bytes as the config is applied; it prints the APP_HOME variable and its working folder,
 * and exits 2 when the file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void apply_config(long leak) {
    char *setting = malloc((size_t) leak);
    memset(setting, 'c', (size_t) leak);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "app.conf";
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "reads_config: cannot read %s\n", path);
        return 2;
    }
    char line[256];
    long leak = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "leak=%ld", &leak) == 1 && leak > 0) {
            apply_config(leak);
        }
    }
    fclose(f);
    char cwd[4096];
    printf("read %s\nAPP_HOME=%s\ncwd=%s\n", path, getenv("APP_HOME") ? getenv("APP_HOME") : "(unset)",
           getcwd(cwd, sizeof cwd) ? cwd : "?");
    return 0;
}
