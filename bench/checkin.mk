# bench/checkin.mk
