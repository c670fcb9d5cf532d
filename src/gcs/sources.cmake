# GCS bridge (host side) and its framing layer, shared with the guest agent.
list(APPEND HCS_SOURCES
  gcs/frame.c
  gcs/codec.c
  gcs/codec_decode.c
  gcs/transport.c
  gcs/bridge.c
  gcs/connect.c
  gcs/container.c
  gcs/process.c
  gcs/pio.c
  gcs/oci.c
  gcs/resources.c
  gcs/text.c
)
