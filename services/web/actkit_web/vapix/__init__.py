"""VAPIX, the Axis API: its CGIs (one module per API), event streams over WebSocket and RTSP."""
