throttle-slow-down = Whoa, that's a lot at once! Please wait a couple of seconds, then go on.
