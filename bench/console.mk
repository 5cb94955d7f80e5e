# bench/console.mk
