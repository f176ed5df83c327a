# Generates the small fixtures of package tabular (run: python3 gen.py).
# Deterministic: Python's random with fixed seeds.
import math, random

def failures():
    rng = random.Random(7)
    rows = ["id,Type,air_temp,process_temp,speed,torque,wear,failure,mode"]
    for i in range(1, 601):
        typ = rng.choice("LLLMMH")
        air = round(rng.gauss(300, 2), 1)
        proc = round(air + 10 + rng.gauss(0, 1), 1)
        speed = int(rng.gauss(1500, 180))
        torque = round(max(5.0, rng.gauss(40, 10)), 1)
        wear = rng.randint(0, 240)
        power = torque * speed * 2 * math.pi / 60
        mode = ""
        if power < 3500 or power > 9000:
            mode = "power"
        elif proc - air < 8.8 and speed < 1400:
            mode = "heat"
        elif wear * torque > {"L": 11000, "M": 12000, "H": 13000}[typ]:
            mode = "strain"
        elif rng.random() < 0.01:
            mode = "random"
        rows.append(f"{i},{typ},{air},{proc},{speed},{torque},{wear},{1 if mode else 0},{mode or 'none'}")
    open("failures.csv", "w").write("\n".join(rows) + "\n")

def units():
    rng = random.Random(11)
    lines = []
    for u in range(1, 17):
        n = rng.randint(70, 140)
        w0 = rng.random() * 0.5
        for c in range(1, n + 1):
            h = w0 + math.exp(4 * (c / n - 1)) * 3
            s1 = 640 + 0.5 * h + rng.gauss(0, 0.3)
            s2 = 1590 + 4 * h + rng.gauss(0, 2)
            s3 = 47 - 0.3 * h + rng.gauss(0, 0.15)
            op = round(rng.gauss(0, 0.002), 4)
            lines.append(f"{u} {c} {op} 100.0 {s1:.2f} {s2:.2f} {s3:.3f} ")
    open("units.txt", "w").write("\n".join(lines) + "\n")

failures()
units()
