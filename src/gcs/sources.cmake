# GCS bridge (host side) and its framing layer, shared with the guest agent.
list(APPEND HCS_SOURCES
  gcs/frame.c
)
list(APPEND HCS_SOURCES
  gcs/codec.c
)
