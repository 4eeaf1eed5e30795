/* A small ONVIF-like camera server library: the code under test in leakgate's example. */
#ifndef ONVIF_SERVER_H
#define ONVIF_SERVER_H

struct onvif_stream {
    int port;
    int multicast;
    char encoding[16];
};

/* Reads the stream profile (an XML file) and starts the stream it describes. 0 on success. */
int onvifStartStream(const char *profile_path, struct onvif_stream *stream);

/* Stops a started stream. */
void onvifStopStream(struct onvif_stream *stream);

/* Takes a snapshot of the stream into a file (the daemon runs it in a helper process). 0 on success. */
int onvifTakeSnapshot(const char *path);

#endif
