/*
 * The field report's demo program: starts and stops a stream N times with the given profile,
 * then returns from main normally, as valgrind needs.  Usage: onvif_test PROFILE.xml [N]
 */
#include "onvif_server.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: onvif_test PROFILE.xml [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 1;
    for (int i = 0; i < n; i++) {
        struct onvif_stream stream;
        if (onvifStartStream(argv[1], &stream) != 0) {
            fprintf(stderr, "cannot start the stream of %s\n", argv[1]);
            return 1;
        }
        onvifStopStream(&stream);
    }
    printf("started and stopped %d streams\n", n);
    return 0;
}
