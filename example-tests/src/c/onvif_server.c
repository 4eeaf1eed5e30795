/*
 * The field report's bug, reduced: onvifStartStream reads the stream profile (an XML file) into
 * a heap buffer and, on the multicast path, returns without freeing it. Built twice: as is (the
 * leaky library) and with -DONVIF_FIXED (the fix).
 */
#include "onvif_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_profile_xml(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *xml = malloc((size_t) size + 1);
    size_t got = fread(xml, 1, (size_t) size, f);
    xml[got] = '\0';
    fclose(f);
    return xml;
}

static int xml_int(const char *xml, const char *tag, int fallback) {
    char open[64];
    snprintf(open, sizeof open, "<%s>", tag);
    const char *at = strstr(xml, open);
    return at == NULL ? fallback : atoi(at + strlen(open));
}

static void xml_text(const char *xml, const char *tag, char *out, size_t size) {
    char open[64];
    snprintf(open, sizeof open, "<%s>", tag);
    const char *at = strstr(xml, open);
    out[0] = '\0';
    if (at != NULL) {
        at += strlen(open);
        size_t n = strcspn(at, "<");
        if (n >= size) {
            n = size - 1;
        }
        memcpy(out, at, n);
        out[n] = '\0';
    }
}

int onvifStartStream(const char *profile_path, struct onvif_stream *stream) {
    char *xml = read_profile_xml(profile_path);
    if (xml == NULL) {
        return -1;
    }
    stream->port = xml_int(xml, "port", 554);
    xml_text(xml, "encoding", stream->encoding, sizeof stream->encoding);
    if (strstr(xml, "<multicast>true</multicast>") != NULL) {
        /* multicast streams are served by the RTSP daemon: nothing more to set up here */
        stream->multicast = 1;
#ifdef ONVIF_FIXED
        free(xml);
#endif
        return 0;
    }
    stream->multicast = 0;
    free(xml);
    return 0;
}

void onvifStopStream(struct onvif_stream *stream) {
    stream->port = 0;
}

/*
 * A snapshot: a frame from the sensor, encoded with an EXIF header into a file. The daemon runs it
 * in a helper process of its own (as cameras do, so that a crash in the encoder cannot take the
 * server down); the leaky library forgets the EXIF header.
 */
static char *make_exif_header(const char *camera) {
    char *exif = malloc(512);
    snprintf(exif, 512, "Exif\nMake=%s\nModel=leakgate-example\n", camera);
    return exif;
}

int onvifTakeSnapshot(const char *path) {
    unsigned char *frame = malloc(4096);
    memset(frame, 0x80, 4096);
    char *exif = make_exif_header("ONVIF example camera");
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        fwrite(exif, 1, strlen(exif), f);
        fwrite(frame, 1, 4096, f);
        fclose(f);
    }
    free(frame);
#ifdef ONVIF_FIXED
    free(exif);
#endif
    return f == NULL ? -1 : 0;
}
