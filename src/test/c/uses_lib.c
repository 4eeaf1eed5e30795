/* Calls into libstream.so a few times. */
int start_stream(const char *name);

int main(void) {
    for (int i = 0; i < 3; i++) {
        start_stream("main");
    }
    return 0;
}
