"""What the gateway, the workers and the API all import: names, codecs, config, logging."""
